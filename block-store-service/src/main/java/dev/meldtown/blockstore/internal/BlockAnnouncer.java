package dev.meldtown.blockstore.internal;

import dev.meldtown.crdt.DeltaBlock;
import dev.meldtown.events.EventCodec;
import dev.meldtown.events.EventType;
import dev.meldtown.events.Payloads;
import dev.meldtown.model.ReplicaRef;
import dev.meldtown.service.EventPublisher;
import dev.meldtown.service.KafkaReadinessCheck;
import dev.meldtown.service.S3Config;
import dev.meldtown.service.Workers;
import dev.meldtown.storage.s3.BucketLayout;
import dev.meldtown.storage.s3.S3Storage;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Publishes {@code block.committed} at least once, even when Kafka is down or the service dies between the S3
 * write and the publish: an outbox entry (the event's data) is written to S3 <em>before</em> the delta, deleted
 * after Kafka acknowledged the event, and a sweeper re-publishes entries left behind. Consumers are idempotent.
 * <p>
 * A write never waits for Kafka: once the delta is stored, the event is published on a background thread, so an
 * upload or commit answers as soon as S3 holds the block, and during a Kafka outage it succeeds into the outbox (the
 * readiness check tells the publisher not to try while Kafka is known down; the sweeper publishes once it is back).
 * The sweeper is a registered {@link Workers worker}: liveness reports DOWN when it has not completed a sweep for
 * {@code meldtown.block-store.outbox.max-silence}.
 */
@ApplicationScoped
public class BlockAnnouncer {
    private static final Logger LOG = Logger.getLogger(BlockAnnouncer.class);

    @Inject
    S3Client s3;

    @Inject
    S3Config s3Config;

    @Inject
    EventPublisher events;

    @Inject
    @org.eclipse.microprofile.health.Readiness
    KafkaReadinessCheck kafka;

    @Inject
    Workers workers;

    @ConfigProperty(name = "meldtown.block-store.outbox.grace", defaultValue = "PT10S")
    Duration grace;

    @ConfigProperty(name = "meldtown.block-store.outbox.max-silence", defaultValue = "PT5M")
    Duration maxSilence;

    /** Identity of the sweep job in Quarkus's scheduler. */
    public static final String SWEEP_JOB = "meldtown-outbox-sweep";

    private Workers.Heartbeat sweeper;
    private java.util.concurrent.ThreadPoolExecutor publishing;

    @jakarta.annotation.PostConstruct
    void init() {
        sweeper = workers.register("outbox sweeper", maxSilence);
        // one publisher thread; when the queue is full the entries wait for the sweeper
        publishing = new java.util.concurrent.ThreadPoolExecutor(1, 1, 0, java.util.concurrent.TimeUnit.MILLISECONDS,
                new java.util.concurrent.ArrayBlockingQueue<>(10_000), r -> {
                    Thread t = new Thread(r, "meldtown-outbox-publisher");
                    t.setDaemon(true);
                    return t;
                }, new java.util.concurrent.ThreadPoolExecutor.DiscardPolicy());
    }

    @jakarta.annotation.PreDestroy
    void close() {
        publishing.shutdown();
        try {
            publishing.awaitTermination(5, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Publishes soon on the publisher thread (never blocking the caller); on failure the entry stays for the sweeper. */
    public void publishLater(String tenant, String doc, String replica, String block) {
        publishing.execute(() -> {
            if (kafka.up()) {
                publish(tenant, doc, replica, block);
            }
        });
    }

    /** Records the intent before the delta is written. Returns whether this caller created the entry. */
    public boolean intend(String tenant, String doc, String replica, DeltaBlock block, byte[] bytes) {
        var data = new Payloads.BlockCommitted(tenant, doc, replica, block.id(), block.parents().stream().sorted().toList(),
                block.packs().stream().sorted().toList(), bytes.length);
        byte[] json;
        try {
            json = EventCodec.mapper().writeValueAsBytes(data);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        try {
            s3.putObject(b -> b.bucket(s3Config.bucket()).key(BucketLayout.outbox(ReplicaRef.of(tenant, doc, replica), block.id())).ifNoneMatch("*"),
                    RequestBody.fromBytes(json));
            return true;
        } catch (S3Exception e) {
            if (e.statusCode() == 412 || e.statusCode() == 409) {
                return false;
            }
            throw e;
        }
    }

    /** Publishes now; on failure the entry stays for the sweeper. */
    public void publish(String tenant, String doc, String replica, String block) {
        String key = BucketLayout.outbox(ReplicaRef.of(tenant, doc, replica), block);
        try {
            byte[] json = s3.getObjectAsBytes(b -> b.bucket(s3Config.bucket()).key(key)).asByteArray();
            send(EventCodec.mapper().readValue(json, Payloads.BlockCommitted.class));
            s3.deleteObject(b -> b.bucket(s3Config.bucket()).key(key));
        } catch (Exception e) {
            LOG.warnf("block.committed for %s/%s/%s %s not published yet (%s); the outbox sweeper retries",
                    tenant, doc, replica, block, e.getMessage());
        }
    }

    /** Re-publishes outbox entries older than the grace period; drops those whose delta never landed. */
    @Scheduled(identity = SWEEP_JOB, every = "${meldtown.block-store.outbox.sweep-every:5s}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP, delayed = "2s")
    void sweep() {
        Instant cutoff = Instant.now().minus(grace);
        try {
            if (!kafka.up()) {
                return; // nothing can be published: entries wait, and the sweeper is alive
            }
            for (S3Object entry : s3.listObjectsV2Paginator(b -> b.bucket(s3Config.bucket()).prefix(BucketLayout.OUTBOX)).contents()) {
                sweeper.beat();
                if (entry.lastModified().isAfter(cutoff)) {
                    continue;
                }
                BucketLayout.OutboxEntry pending = BucketLayout.outboxEntry(entry.key());
                if (pending == null) {
                    continue;
                }
                ReplicaRef r = pending.replica();
                // The delta as stored, whatever the document's compression (plain or .flate).
                S3Storage stored = new S3Storage(s3, s3Config.bucket(), BucketLayout.replica(r));
                String delta = pending.block() + ".delta";
                if (stored.exists(delta) || stored.exists(delta + BucketLayout.FLATE)) {
                    publish(r.tenant().value(), r.doc().doc().value(), r.replica().value(), pending.block());
                } else {
                    s3.deleteObject(b -> b.bucket(s3Config.bucket()).key(entry.key()));
                }
            }
        } catch (RuntimeException e) {
            LOG.warnf("outbox sweep failed: %s", e.getMessage());
        } finally {
            sweeper.beat();
        }
    }

    /** Sends one event and waits for the broker's acknowledgement. */
    public void send(Payloads.BlockCommitted data) {
        events.publish(EventType.BLOCK_COMMITTED, data.tenant(), data.doc(), data);
    }
}
