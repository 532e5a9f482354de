package dev.meldtown.merge;

import dev.meldtown.events.EventType;
import dev.meldtown.service.EventPublisher;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Map;

/**
 * Publishes events and dead letters through the service's one {@link EventPublisher} (acks=all, idempotent) and
 * turns a failure into a {@link TransientException}: the consumer then retries the whole event, never dead-letters it.
 */
@ApplicationScoped
public class Publisher {
    @Inject
    EventPublisher events;

    /** Sends and waits; a failure is transient (Kafka unavailable): the caller retries the whole event. */
    public void send(String topic, String key, byte[] value, Map<String, String> headers) {
        try {
            events.send(topic, key, value, headers);
        } catch (EventPublisher.PublishException e) {
            throw new TransientException(e.getMessage(), e);
        }
    }

    /** The contract's CloudEvent for {@code data}, keyed {@code tenant/doc}; a failure is transient. */
    public void publish(EventType type, String tenant, String doc, Object data) {
        try {
            events.publish(type, type.source(), tenant, doc, data);
        } catch (EventPublisher.PublishException e) {
            throw new TransientException(e.getMessage(), e);
        }
    }

    /** Infrastructure unavailable (Kafka, S3): the event is retried, never dead-lettered. */
    public static final class TransientException extends RuntimeException {
        public TransientException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
