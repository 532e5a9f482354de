package dev.meldtown.merge;

import dev.meldtown.events.EventCodec;
import dev.meldtown.model.DocRef;
import dev.meldtown.model.InvalidNameException;
import dev.meldtown.model.ReplicaRef;
import dev.meldtown.model.Scope;
import dev.meldtown.service.Deletions;
import dev.meldtown.storage.s3.BucketLayout;
import dev.meldtown.storage.s3.BucketListings;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.TreeMap;
import org.jboss.logging.Logger;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Garbage collection of service-private data (issue 14, item 2), on a schedule ({@code meldtown.merge.gc.*}):
 * <ul>
 *   <li>read checkpoints: the newest {@code keep-checkpoints} of each replica are kept, and always the one its
 *       {@code latest} pointer names;</li>
 *   <li>merge results ({@code merges/}) older than {@code result-retention}, which must exceed the Kafka retention of
 *       the consumed topics: a redelivered event finds its result and is not melded and emitted as new;</li>
 *   <li>outbox entries of both outboxes ({@code outbox/}, {@code merge/outbox/}) older than {@code outbox-min-age}
 *       whose block was announced (the merge-service stored the result of its {@code block.committed}) or whose scope
 *       was deleted: a sweeper left them behind (it died between the publish and its batch delete, say).</li>
 * </ul>
 * Replica files (deltas, packs, indexes) are never collected: Melda replicas need their whole history to meld. Nor is
 * the block log (one small object per stored delta, like the deltas): its numbers must stay without gaps for its
 * readers and writers ({@code BlockLog}).
 * Deletions go in DeleteObjects batches of at most {@code batch} keys, and the pass makes at most
 * {@code requests-per-second} S3 requests a second (background work: it must not take S3 from the melds). Two instances may run it at once: every
 * decision rests on facts that do not change back (an age, a stored result, a tombstone), a checkpoint written while
 * it runs is not in its listing, and deleting a key twice is harmless. Scopes being deleted are left to the deletion
 * worker. Metrics: {@code meldtown_gc_deleted_total{kind}}, {@code meldtown_gc_runs_total{outcome}},
 * {@code meldtown_gc_duration_seconds}.
 */
@ApplicationScoped
public class GarbageCollector {
    public static final String JOB = "meldtown-gc";
    private static final Logger LOG = Logger.getLogger(GarbageCollector.class);

    @Inject
    Bucket bucket;

    @Inject
    MergeConfig config;

    @Inject
    Deletions deletions;

    @Inject
    MeterRegistry registry;

    private long nextRequestAt = System.nanoTime();

    /** What one run removed, by kind. */
    public record Report(int checkpoints, int results, int outbox) {
    }

    @Scheduled(identity = JOB, every = "${meldtown.merge.gc.every:1h}", delayed = "${meldtown.merge.gc.delayed:1m}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void scheduled() {
        if (!config.gc().enabled()) {
            return;
        }
        try {
            Report r = run(Instant.now());
            LOG.infof("garbage collection removed %s", r);
        } catch (RuntimeException e) {
            runs("failed").increment();
            LOG.warnf("garbage collection failed, the next run retries: %s", e.getMessage());
        }
    }

    /** One pass over the bucket as of {@code now}. */
    public Report run(Instant now) {
        Timer.Sample sample = Timer.start(registry);
        Deleter d = new Deleter();
        // outbox entries first: whether one was announced is told by a merge result this run may remove
        outbox(BucketLayout.OUTBOX, now, d);
        outbox(BucketLayout.MERGE_OUTBOX, now, d);
        d.flush();
        pace();
        for (String tenant : BucketListings.tenants(bucket.client(), bucket.name())) {
            if (deletions.deleted(Scope.tenant(tenant)) != null) {
                continue; // the deletion worker removes everything of it
            }
            pace();
            for (String doc : BucketListings.docs(bucket.client(), bucket.name(), tenant)) {
                DocRef ref = DocRef.of(tenant, doc);
                if (deletions.deleted(Scope.of(ref)) == null) {
                    checkpoints(ref, now, d);
                    results(ref, now, d);
                }
            }
        }
        d.flush();
        sample.stop(Timer.builder("meldtown.gc.duration").description("Duration of a garbage collection run").register(registry));
        runs("completed").increment();
        return new Report(d.count("checkpoint"), d.count("merge-result"), d.count("outbox"));
    }

    private void checkpoints(DocRef doc, Instant now, Deleter d) {
        String prefix = BucketLayout.doc(doc) + "/checkpoints/";
        Map<String, List<S3Object>> byReplica = new TreeMap<>();
        for (S3Object o : list(prefix)) {
            String rest = o.key().substring(prefix.length());
            int slash = rest.indexOf('/');
            if (slash > 0 && rest.indexOf('/', slash + 1) < 0 && rest.endsWith(".json")) {
                byReplica.computeIfAbsent(rest.substring(0, slash), k -> new ArrayList<>()).add(o);
            }
        }
        for (Map.Entry<String, List<S3Object>> e : byReplica.entrySet()) {
            ReplicaRef replica;
            try {
                replica = doc.replica(e.getKey());
            } catch (InvalidNameException bad) {
                continue;
            }
            if (deletions.deleted(Scope.of(replica)) != null) {
                continue;
            }
            int keep = Math.max(1, config.gc().keepCheckpoints());
            if (e.getValue().size() <= keep) {
                continue; // nothing to remove: its latest pointer need not be read
            }
            String latest = latestCheckpoint(replica);
            List<S3Object> newestFirst = new ArrayList<>(e.getValue());
            newestFirst.sort(Comparator.comparing(S3Object::lastModified).reversed().thenComparing(S3Object::key));
            for (int i = keep; i < newestFirst.size(); i++) {
                String key = newestFirst.get(i).key();
                if (latest == null || !key.equals(BucketLayout.checkpoint(replica, latest))) {
                    d.delete("checkpoint", key);
                }
            }
        }
    }

    private void results(DocRef doc, Instant now, Deleter d) {
        Instant cutoff = now.minus(config.gc().resultRetention());
        for (S3Object o : list(BucketLayout.results(doc))) {
            if (o.lastModified().isBefore(cutoff)) {
                d.delete("merge-result", o.key());
            }
        }
    }

    private void outbox(String root, Instant now, Deleter d) {
        Instant cutoff = now.minus(config.gc().outboxMinAge());
        for (S3Object o : list(root)) {
            BucketLayout.OutboxEntry entry = BucketLayout.outboxEntry(root, o.key());
            if (entry == null || !o.lastModified().isBefore(cutoff)) {
                continue;
            }
            ReplicaRef r = entry.replica();
            boolean deleted = deletions.deleted(Scope.of(r)) != null;
            String result = BucketLayout.result(r.doc(), MergeProcessor.sha256("block:" + r.replica() + ":" + entry.block()));
            if (deleted || exists(result)) {
                d.delete("outbox", o.key());
            }
        }
    }

    /** The name of the checkpoint the replica's latest pointer names, or null. */
    private String latestCheckpoint(ReplicaRef replica) {
        pace();
        byte[] json = bucket.getOrNull(BucketLayout.latestCheckpoint(replica));
        if (json == null) {
            return null;
        }
        try {
            var node = EventCodec.mapper().readTree(json);
            String name = node.path("name").asText("");
            return name.matches("[0-9a-f]{64}") ? name : null;
        } catch (IOException e) {
            return null;
        }
    }

    private boolean exists(String key) {
        pace();
        try {
            bucket.client().headObject(b -> b.bucket(bucket.name()).key(key));
            return true;
        } catch (NoSuchKeyException e) {
            return false;
        } catch (software.amazon.awssdk.services.s3.model.S3Exception e) {
            if (e.statusCode() == 404) {
                return false;
            }
            throw e;
        }
    }

    /** The objects under {@code prefix}, page by page as iterated, each page request paced. */
    private Iterable<S3Object> list(String prefix) {
        Iterable<ListObjectsV2Response> pages = bucket.client().listObjectsV2Paginator(b -> b.bucket(bucket.name()).prefix(prefix));
        return () -> new Iterator<>() {
            private Iterator<ListObjectsV2Response> remaining;
            private Iterator<S3Object> page = Collections.emptyIterator();
            private boolean lastPage;

            @Override
            public boolean hasNext() {
                while (!page.hasNext()) {
                    if (lastPage) {
                        return false; // the paginator would request nothing more
                    }
                    pace(); // the next hasNext of the paginator requests a page
                    if (remaining == null) {
                        remaining = pages.iterator();
                    }
                    if (!remaining.hasNext()) {
                        return false;
                    }
                    ListObjectsV2Response response = remaining.next();
                    lastPage = !Boolean.TRUE.equals(response.isTruncated());
                    page = response.contents().iterator();
                }
                return true;
            }

            @Override
            public S3Object next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return page.next();
            }
        };
    }

    /**
     * Waits so that this collector makes at most {@code requests-per-second} S3 requests per second: it is background
     * work, and must not take S3 from the melds.
     */
    private synchronized void pace() {
        int rate = config.gc().requestsPerSecond();
        if (rate <= 0) {
            return;
        }
        long now = System.nanoTime();
        long wait = nextRequestAt - now;
        if (wait > 0) {
            try {
                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("garbage collection interrupted", e);
            }
        }
        nextRequestAt = Math.max(now, nextRequestAt) + 1_000_000_000L / rate;
    }

    private Counter runs(String outcome) {
        return Counter.builder("meldtown.gc.runs").description("Garbage collection runs").tag("outcome", outcome).register(registry);
    }

    /** Deletes in DeleteObjects batches of at most {@code batch} keys, counting by kind. */
    private final class Deleter {
        private final List<String> keys = new ArrayList<>();
        private final Map<String, Integer> counts = new TreeMap<>();
        private final Set<String> queued = new HashSet<>();

        void delete(String kind, String key) {
            if (!queued.add(key)) {
                return;
            }
            keys.add(key);
            counts.merge(kind, 1, Integer::sum);
            Counter.builder("meldtown.gc.deleted").description("Objects removed by garbage collection").tag("kind", kind)
                    .register(registry).increment();
            if (keys.size() >= Math.max(1, Math.min(1000, config.gc().batch()))) {
                flush();
            }
        }

        void flush() {
            if (keys.isEmpty()) {
                return;
            }
            List<ObjectIdentifier> batch = keys.stream().map(k -> ObjectIdentifier.builder().key(k).build()).toList();
            pace();
            bucket.client().deleteObjects(b -> b.bucket(bucket.name()).delete(del -> del.objects(batch).quiet(true)));
            keys.clear();
        }

        int count(String kind) {
            return counts.getOrDefault(kind, 0);
        }
    }
}
