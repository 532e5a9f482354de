package dev.meldtown.blockstore.internal;

import dev.meldtown.crdt.ReplicaStorage;
import dev.meldtown.events.EventType;
import dev.meldtown.model.ReplicaRef;
import dev.meldtown.service.BlockOutbox;
import dev.meldtown.service.EventPublisher;
import dev.meldtown.service.KafkaReadinessCheck;
import dev.meldtown.service.OutboxBacklog;
import dev.meldtown.service.S3Config;
import dev.meldtown.service.Workers;
import dev.meldtown.storage.s3.BucketLayout;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.scheduler.Scheduled;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.ObjLongConsumer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.health.Readiness;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * block-store-service's {@link BlockOutbox} (root {@code outbox/}): every new delta written through
 * {@link #storage} (uploads and server-side commits alike) is announced at least once, even when Kafka is down or the
 * service dies between the S3 write and the publish. A write never waits for Kafka. The sweeper is a registered
 * {@link Workers worker}: liveness reports DOWN when it has not completed a sweep for
 * {@code meldtown.block-store.outbox.max-silence}.
 */
@ApplicationScoped
public class BlockAnnouncer {
    /** Identity of the sweep job in Quarkus's scheduler. */
    public static final String SWEEP_JOB = "meldtown-outbox-sweep";

    @Inject
    S3Client s3;

    @Inject
    S3Config s3Config;

    @Inject
    EventPublisher events;

    @Inject
    @Readiness
    KafkaReadinessCheck kafka;

    @Inject
    Workers workers;

    @Inject
    dev.meldtown.service.BlockLog blockLog;

    @ConfigProperty(name = "meldtown.block-store.outbox.grace", defaultValue = "PT10S")
    Duration grace;

    @ConfigProperty(name = "meldtown.block-store.outbox.max-silence", defaultValue = "PT5M")
    Duration maxSilence;

    @Inject
    MeterRegistry registry;

    private Workers.Heartbeat sweeper;
    private BlockOutbox outbox;
    private AtomicInteger backlog;

    @PostConstruct
    void init() {
        backlog = OutboxBacklog.register(registry, "blocks");
        sweeper = workers.register("outbox sweeper", maxSilence);
        outbox = new BlockOutbox(s3, s3Config.bucket(), BucketLayout.OUTBOX, EventType.BLOCK_COMMITTED.source(), events, kafka::up, grace).logInto(blockLog);
    }

    @PreDestroy
    void close() {
        outbox.close();
    }

    /** The storage of one replica: every new delta written through it is announced, every new file counted. */
    public ReplicaStorage storage(ReplicaRef replica, ReplicaStorage raw, ObjLongConsumer<String> stored) {
        return outbox.announcing(replica, raw, stored);
    }

    @Scheduled(identity = SWEEP_JOB, every = "${meldtown.block-store.outbox.sweep-every:5s}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP, delayed = "2s")
    void sweep() {
        outbox.sweep(sweeper);
        backlog.set(outbox.backlog());
    }
}
