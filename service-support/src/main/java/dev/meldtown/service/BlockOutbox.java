package dev.meldtown.service;

import dev.meldtown.crdt.DeltaBlock;
import dev.meldtown.crdt.ReplicaStorage;
import dev.meldtown.events.EventCodec;
import dev.meldtown.events.EventType;
import dev.meldtown.events.Payloads;
import dev.meldtown.model.ReplicaRef;
import dev.meldtown.storage.s3.BucketLayout;
import dev.meldtown.storage.s3.S3Storage;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.ObjLongConsumer;
import org.jboss.logging.Logger;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The one way a stored block is announced ({@code block.committed}), whoever stores it: block-store-service for
 * uploads and its server-side commits, merge-service for the resolve blocks it commits. At least once, even when
 * Kafka is down or the service dies between the S3 write and the publish:
 * <ol>
 *   <li>{@link #intend} writes an outbox entry (the event's data) under this service's outbox root, write-once,
 *       <em>before</em> the delta is stored;</li>
 *   <li>once the delta is stored, {@link #publishLater} sends the event from memory on a background thread (a write
 *       never waits for Kafka);</li>
 *   <li>the next {@link #sweep} deletes the entries Kafka acknowledged, in one batch request, re-publishes entries
 *       older than the grace period whose delta is stored (a crash, or Kafka down), and drops those whose delta never
 *       landed.</li>
 * </ol>
 * An announced block thus costs two PUTs (entry and delta) and a share of one batch delete; the entry is never read
 * back unless it was left behind. Consumers are idempotent, so a block announced twice (a crash after the publish,
 * before the batch delete) changes nothing twice. Safe to run on several instances; each service sweeps only its
 * own outbox root, so the bucket is not a shared queue between services.
 */
public final class BlockOutbox implements AutoCloseable {
    private volatile int backlog;
    private static final Logger LOG = Logger.getLogger(BlockOutbox.class);
    private static final int BATCH = 1000; // S3 DeleteObjects takes at most 1,000 keys

    /** What {@link #intend} recorded: the entry's key, the event's data, and whether this caller created the entry. */
    public record Intent(ReplicaRef replica, String key, Payloads.BlockCommitted data, boolean owned) {
    }

    private final S3Client s3;
    private final String bucket;
    private final String root;
    private final String source;
    private final EventPublisher events;
    private final BooleanSupplier kafkaUp;
    private final Duration grace;
    private final Set<String> acknowledged = ConcurrentHashMap.newKeySet();
    private final ThreadPoolExecutor publishing;
    private volatile BlockLog log;

    /**
     * @param root    this service's outbox prefix in the bucket ({@link BucketLayout#OUTBOX} for block-store)
     * @param source  the CloudEvents {@code source} of the events it sends
     * @param kafkaUp whether publishing is worth trying now (the Kafka readiness check); when false, entries wait
     * @param grace   how old an entry must be before a sweep re-publishes it
     */
    public BlockOutbox(S3Client s3, String bucket, String root, String source, EventPublisher events, BooleanSupplier kafkaUp,
                       Duration grace) {
        if (!root.endsWith("/")) {
            throw new IllegalArgumentException("an outbox root ends with /: " + root);
        }
        this.s3 = s3;
        this.bucket = bucket;
        this.root = root;
        this.source = source;
        this.events = events;
        this.kafkaUp = kafkaUp;
        this.grace = grace;
        // one publisher thread; when its queue is full the entries wait for the sweeper
        this.publishing = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(10_000), r -> {
            Thread t = new Thread(r, "meldtown-outbox-publisher");
            t.setDaemon(true);
            return t;
        }, new ThreadPoolExecutor.DiscardPolicy());
    }

    public String root() {
        return root;
    }

    /**
     * Logs every announced block in its replica's {@link BlockLog} too: the announcing storage after the delta, the
     * sweeper before it re-publishes a left-behind entry (the writer may have died between the delta and its log
     * entry). Returns this outbox.
     */
    public BlockOutbox logInto(BlockLog log) {
        this.log = log;
        return this;
    }

    /** The block log this outbox writes to, or null. */
    BlockLog log() {
        return log;
    }

    /**
     * A storage that announces every new delta written through it, and reports every new file's size to
     * {@code stored} (per tenant).
     */
    public ReplicaStorage announcing(ReplicaRef replica, ReplicaStorage delegate, ObjLongConsumer<String> stored) {
        return new AnnouncingStorage(delegate, this, replica, stored);
    }

    /** Records the intent to announce {@code block} of {@code replica}; call it before the delta is written. S3 failures propagate. */
    public Intent intend(ReplicaRef replica, DeltaBlock block) {
        var data = new Payloads.BlockCommitted(replica.tenant().value(), replica.doc().doc().value(), replica.replica().value(),
                block.id(), block.parents().stream().sorted().toList(), block.packs().stream().sorted().toList(), block.bytes().length);
        String key = BucketLayout.outbox(root, replica, block.id());
        byte[] json;
        try {
            json = EventCodec.mapper().writeValueAsBytes(data);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        try {
            s3.putObject(b -> b.bucket(bucket).key(key).ifNoneMatch("*"), RequestBody.fromBytes(json));
            return new Intent(replica, key, data, true);
        } catch (S3Exception e) {
            if (e.statusCode() == 412 || e.statusCode() == 409) {
                return new Intent(replica, key, data, false); // another writer of the same block holds the entry
            }
            throw e;
        }
    }

    /** Publishes soon on the publisher thread, never blocking the caller; on failure the entry stays for the sweeper. */
    public void publishLater(Intent intent) {
        // the event joins the trace of the write that stored the block (an upload, a meld)
        publishing.execute(io.opentelemetry.context.Context.current().wrap(() -> {
            if (kafkaUp.getAsBoolean()) {
                publish(intent.key(), intent.data());
            }
        }));
    }

    private boolean publish(String key, Payloads.BlockCommitted data) {
        try {
            events.publish(EventType.BLOCK_COMMITTED, source, data.tenant(), data.doc(), data);
            acknowledged.add(key);
            return true;
        } catch (RuntimeException e) {
            LOG.warnf("block.committed for %s/%s/%s %s not published yet (%s); the outbox sweeper retries",
                    data.tenant(), data.doc(), data.replica(), data.block(), e.getMessage());
            return false;
        }
    }

    /**
     * Deletes the entries whose events Kafka acknowledged (one batch request per 1,000), then re-publishes entries
     * older than the grace period whose delta is stored, and drops those whose delta never landed. {@code heartbeat} is
     * beaten as the sweep makes progress, and once more at its end, whatever happened. A failure (S3 down, say) is
     * logged and left for the next sweep.
     *
     * @return how many entries were re-published
     */
    public int sweep(Workers.Heartbeat heartbeat) {
        try {
            return sweepOnce(heartbeat::beat);
        } catch (RuntimeException e) {
            LOG.warnf("outbox sweep of %s failed: %s", root, e.getMessage());
            return 0;
        } finally {
            heartbeat.beat();
        }
    }

    private int sweepOnce(Runnable beat) {
        deleteAcknowledged();
        beat.run();
        if (!kafkaUp.getAsBoolean()) {
            backlog = kept();
            return 0; // nothing can be published: entries wait
        }
        Instant cutoff = Instant.now().minus(grace);
        int sent = 0;
        int listed = 0;
        for (S3Object entry : s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(root)).contents()) {
            beat.run();
            if (acknowledged.contains(entry.key())) {
                continue;
            }
            listed++;
            if (entry.lastModified().isAfter(cutoff)) {
                continue;
            }
            BucketLayout.OutboxEntry pending = BucketLayout.outboxEntry(root, entry.key());
            if (pending == null) {
                continue;
            }
            ReplicaRef r = pending.replica();
            S3Storage stored = new S3Storage(s3, bucket, BucketLayout.replica(r)); // the delta as stored, plain or .flate
            String delta = pending.block() + ".delta";
            if (stored.exists(delta) || stored.exists(delta + BucketLayout.FLATE)) {
                Payloads.BlockCommitted data;
                try {
                    data = EventCodec.mapper().readValue(s3.getObjectAsBytes(b -> b.bucket(bucket).key(entry.key())).asByteArray(),
                            Payloads.BlockCommitted.class);
                } catch (NoSuchKeyException gone) {
                    continue; // another instance announced it
                } catch (IOException unreadable) {
                    LOG.errorf("outbox entry %s is unreadable and is removed: %s", entry.key(), unreadable.getMessage());
                    s3.deleteObject(b -> b.bucket(bucket).key(entry.key()));
                    continue;
                }
                BlockLog logged = log;
                if (logged != null) {
                    logged.record(r, pending.block());
                }
                if (publish(entry.key(), data)) {
                    sent++;
                    listed--;
                }
            } else {
                s3.deleteObject(b -> b.bucket(bucket).key(entry.key()));
            }
        }
        deleteAcknowledged();
        backlog = listed;
        return sent;
    }

    /**
     * The entries this outbox held at its last sweep, not counting those Kafka acknowledged then (for
     * {@link OutboxBacklog}); 0 before the first sweep.
     */
    public int backlog() {
        return backlog;
    }

    private void deleteAcknowledged() {
        List<String> done = new ArrayList<>(acknowledged);
        for (int from = 0; from < done.size(); from += BATCH) {
            List<ObjectIdentifier> batch = done.subList(from, Math.min(done.size(), from + BATCH)).stream()
                    .map(k -> ObjectIdentifier.builder().key(k).build()).toList();
            s3.deleteObjects(b -> b.bucket(bucket).delete(d -> d.objects(batch).quiet(true)));
            batch.forEach(id -> acknowledged.remove(id.key()));
        }
    }

    /** Entries waiting in the bucket (one listing; for tests and metrics). */
    public int kept() {
        int n = 0;
        for (S3Object ignored : s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(root)).contents()) {
            n++;
        }
        return n;
    }

    /** Stops the publisher thread after what it holds (at most 5 s) and deletes the entries it announced. */
    @Override
    public void close() {
        publishing.shutdown();
        try {
            publishing.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            deleteAcknowledged();
        } catch (RuntimeException e) {
            LOG.warnf("announced outbox entries not deleted at shutdown (a sweep will announce them again): %s", e.getMessage());
        }
    }
}
