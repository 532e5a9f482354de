package dev.meldtown.blockstore.internal;

import dev.meldtown.events.EventType;
import dev.meldtown.events.Payloads;
import dev.meldtown.service.DependencyUnavailableException;
import dev.meldtown.service.EventPublisher;
import dev.meldtown.service.KafkaReadinessCheck;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.UUID;

/**
 * Asks merge-service to meld one replica into another: {@code merge.requested} on {@code meldtown.merges}, keyed
 * {@code tenant/doc}, acknowledged by Kafka before the caller is answered. A merge request has no outbox: during a
 * Kafka outage it fails fast with 503 and the client retries.
 */
@ApplicationScoped
public class MeldRequests {
    private static final Duration PUBLISH_WAIT = Duration.ofSeconds(5);

    @Inject
    EventPublisher events;

    @Inject
    @org.eclipse.microprofile.health.Readiness
    KafkaReadinessCheck kafka;

    /** Publishes the request and returns its id. @throws DependencyUnavailableException (503) when Kafka is away */
    public String request(String tenant, String doc, String source, String target) {
        if (!kafka.up()) {
            throw new DependencyUnavailableException("events", "the merge request cannot be published now (Kafka is unavailable); try again later", null);
        }
        String requestId = UUID.randomUUID().toString();
        try {
            events.publish(EventType.MERGE_REQUESTED, tenant, doc, new Payloads.MergeRequested(tenant, doc, source, target, requestId),
                    PUBLISH_WAIT);
        } catch (EventPublisher.PublishException e) {
            throw new DependencyUnavailableException("events", "the merge request could not be published; try again later", e);
        }
        return requestId;
    }
}
