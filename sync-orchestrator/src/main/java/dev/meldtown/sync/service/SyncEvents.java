package dev.meldtown.sync.service;

import dev.meldtown.events.EventType;
import dev.meldtown.events.Payloads;
import dev.meldtown.service.EventOutbox;
import dev.meldtown.service.EventPublisher;
import dev.meldtown.service.OutboxBacklog;
import dev.meldtown.service.S3Config;
import dev.meldtown.service.Workers;
import dev.meldtown.storage.s3.BucketLayout;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.scheduler.Scheduled;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The service's events on {@code meldtown.syncs}, keyed {@code tenant/town}: {@code sync.completed} for every sync,
 * and {@code sync.requested} for an asynchronous one. Both are acknowledged before the caller is answered.
 * {@code sync.completed} goes through an {@link EventOutbox} under {@code sync/outbox/} in the bucket, so a sync
 * that was answered always gets its event, even when Kafka was down at the time or the service dies afterwards; the
 * outbox is swept every {@code meldtown.sync-events.sweep-every} (5 s).
 */
@ApplicationScoped
public class SyncEvents {
    private static final Logger LOG = Logger.getLogger(SyncEvents.class);
    /** Where this service keeps the events Kafka did not take yet. */
    public static final String OUTBOX = BucketLayout.Sync.OUTBOX;

    @Inject
    EventPublisher events;

    @Inject
    S3Client s3;

    @Inject
    S3Config s3Config;

    @Inject
    Workers workers;

    /** How long an answer waits for Kafka before the event is kept in the outbox (or, for a request, refused). */
    @ConfigProperty(name = "meldtown.sync-events.wait", defaultValue = "PT5S")
    Duration wait;

    @ConfigProperty(name = "meldtown.sync-events.max-silence", defaultValue = "PT5M")
    Duration maxSilence;

    private EventOutbox outbox;

    @Inject
    MeterRegistry registry;

    private AtomicInteger backlog;
    private Workers.Heartbeat sweeper;

    @PostConstruct
    void init() {
        outbox = new EventOutbox(s3, s3Config.bucket(), OUTBOX, events, wait);
        backlog = OutboxBacklog.register(registry, "syncs");
        sweeper = workers.register("sync event outbox sweeper", maxSilence);
    }

    /**
     * Publishes {@code sync.completed}, or keeps it in the outbox when Kafka does not take it.
     *
     * @throws dev.meldtown.service.DependencyUnavailableException (503) when neither Kafka nor S3 takes it
     */
    public void completed(Payloads.SyncResult result, String requestId) {
        outbox.deliver(EventType.SYNC_COMPLETED, result.tenant(), result.town(), Payloads.SyncCompleted.of(result, requestId));
    }

    /**
     * Publishes {@code sync.requested} and waits for Kafka's acknowledgement: only then is the request accepted.
     *
     * @throws EventPublisher.PublishException (503) when Kafka does not take it
     */
    public void requested(Payloads.SyncRequested request) {
        events.publish(EventType.SYNC_REQUESTED, request.tenant(), request.town(), request, wait);
    }

    /** Sends what the outbox keeps; a failure waits for the next sweep. */
    @Scheduled(identity = "meldtown-sync-outbox-sweep", every = "${meldtown.sync-events.sweep-every:5s}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP, delayed = "2s")
    void sweep() {
        try {
            int sent = outbox.sweep();
            if (sent > 0) {
                LOG.infof("sent %d kept sync event(s) from the outbox", sent);
            }
        } catch (RuntimeException e) {
            LOG.warnf("sync event outbox sweep stopped: %s", e.getMessage());
        } finally {
            backlog.set(outbox.backlog());
            sweeper.beat();
        }
    }

    /** Events kept in the outbox now. */
    public int kept() {
        return outbox.kept();
    }
}
