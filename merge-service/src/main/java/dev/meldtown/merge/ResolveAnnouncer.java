package dev.meldtown.merge;

import dev.meldtown.crdt.DeltaBlock;
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
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.microprofile.health.Readiness;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Announces the resolve blocks this service commits ({@code resolve-to-winner}) through the same
 * {@link BlockOutbox} as every uploaded block, under merge-service's own root ({@link BucketLayout#MERGE_OUTBOX}) and
 * with CloudEvents source {@code /meldtown/merge}: the intent is stored before the delta
 * ({@link dev.meldtown.crdt.Replica#commit(String, String, java.util.function.Consumer)}), the event sent after it, and
 * a sweep re-sends what a crash or a Kafka outage left behind.
 */
@ApplicationScoped
public class ResolveAnnouncer {
    /** Identity of the sweep job in Quarkus's scheduler. */
    public static final String SWEEP_JOB = "meldtown-merge-outbox-sweep";

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
    MergeConfig config;

    @Inject
    dev.meldtown.service.BlockLog blockLog;

    @Inject
    MeterRegistry registry;

    private Workers.Heartbeat sweeper;
    private BlockOutbox outbox;
    private AtomicInteger backlog;

    @PostConstruct
    void init() {
        backlog = OutboxBacklog.register(registry, "merges");
        sweeper = workers.register("outbox sweeper", config.outbox().maxSilence());
        outbox = new BlockOutbox(s3, s3Config.bucket(), BucketLayout.MERGE_OUTBOX, EventType.Sources.MERGE, events, kafka::up,
                config.outbox().grace()).logInto(blockLog);
    }

    @PreDestroy
    void close() {
        outbox.close();
    }

    /** Records the intent to announce {@code block}, before its delta is stored. */
    public BlockOutbox.Intent intend(ReplicaRef replica, DeltaBlock block) {
        return outbox.intend(replica, block);
    }

    /** Sends the event once the delta is stored (never blocking the caller). */
    public void announce(BlockOutbox.Intent intent) {
        outbox.publishLater(intent);
    }

    @Scheduled(identity = SWEEP_JOB, every = "${meldtown.merge.outbox.sweep-every:5s}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP, delayed = "2s")
    void sweep() {
        outbox.sweep(sweeper);
        backlog.set(outbox.backlog());
    }
}
