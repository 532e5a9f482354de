package dev.meldtown.service;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.meldtown.events.EventCodec;
import dev.meldtown.events.EventType;
import dev.meldtown.events.Topics;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jboss.logging.Logger;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Events that must not be lost once the caller has been answered. {@link #deliver} sends the event and waits for
 * Kafka's acknowledgement; when Kafka does not take it, the encoded record is kept in S3 under this outbox's prefix,
 * and {@link #sweep} sends what is kept until Kafka acknowledges it. A kept record is re-sent byte for byte (the same
 * CloudEvent {@code id}), so a consumer may see an event twice but never two versions of it. Only when neither Kafka
 * nor S3 takes the event does {@link #deliver} fail, with a 503 the caller passes on: nothing is acknowledged then.
 */
public final class EventOutbox {
    private volatile int backlog;
    private static final Logger LOG = Logger.getLogger(EventOutbox.class);
    private static final ObjectMapper JSON = EventCodec.mapper();

    /** One kept record: what {@link EventPublisher#send} takes. */
    public record Kept(String topic, String key, byte[] value) {
    }

    private final S3Client s3;
    private final String bucket;
    private final String prefix;
    private final EventPublisher publisher;
    private final Duration wait;

    /**
     * @param prefix where the kept records live in the bucket, ending in {@code /} (one prefix per service)
     * @param wait   how long {@link #deliver} waits for Kafka before it keeps the record instead
     */
    public EventOutbox(S3Client s3, String bucket, String prefix, EventPublisher publisher, Duration wait) {
        if (!prefix.endsWith("/")) {
            throw new IllegalArgumentException("an outbox prefix ends with /: " + prefix);
        }
        this.s3 = s3;
        this.bucket = bucket;
        this.prefix = prefix;
        this.publisher = publisher;
        this.wait = wait;
    }

    public String prefix() {
        return prefix;
    }

    /**
     * Publishes the event, keyed {@code tenant/subject}, or keeps it for {@link #sweep}.
     *
     * @return true when Kafka acknowledged it now, false when it was kept in S3
     * @throws DependencyUnavailableException when neither Kafka nor S3 took it
     */
    public boolean deliver(EventType type, String tenant, String subject, Object data) {
        Kept record = new Kept(type.topic(), Topics.key(tenant, subject), EventPublisher.encode(type, type.source(), subject, data));
        try {
            publisher.send(record.topic(), record.key(), record.value(), Map.of(), wait);
            return true;
        } catch (EventPublisher.PublishException kafka) {
            String key = prefix + String.format("%013d", Instant.now().toEpochMilli()) + "-" + UUID.randomUUID() + ".json";
            try {
                s3.putObject(b -> b.bucket(bucket).key(key).contentType("application/json"), RequestBody.fromBytes(JSON.writeValueAsBytes(record)));
            } catch (IOException | RuntimeException storage) {
                storage.addSuppressed(kafka);
                throw new DependencyUnavailableException("events", "the event store (Kafka) and the object store (S3) are not"
                        + " available; try again later", storage);
            }
            LOG.warnf("%s for %s kept in the outbox %s until Kafka is back: %s", type.type(), record.key(), key, kafka.getMessage());
            return false;
        }
    }

    /**
     * Sends every kept record, oldest first, and removes each once Kafka acknowledged it; stops at the first one Kafka
     * does not take. Safe to run on several instances at once (a record may then be sent twice, identically).
     *
     * @return how many records were sent
     */
    public int sweep() {
        int sent = 0;
        List<S3Object> entries = s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(prefix)).contents().stream().toList();
        backlog = entries.size();
        for (S3Object entry : entries) {
            Kept record;
            try {
                record = JSON.readValue(s3.getObjectAsBytes(b -> b.bucket(bucket).key(entry.key())).asByteArray(), Kept.class);
            } catch (NoSuchKeyException gone) {
                continue; // another instance sent it
            } catch (IOException unreadable) {
                LOG.errorf("outbox record %s is unreadable and is removed: %s", entry.key(), unreadable.getMessage());
                s3.deleteObject(b -> b.bucket(bucket).key(entry.key()));
                continue;
            }
            publisher.send(record.topic(), record.key(), record.value(), Map.of(), wait);
            s3.deleteObject(b -> b.bucket(bucket).key(entry.key()));
            sent++;
            backlog--;
        }
        return sent;
    }

    /** The records kept at the last sweep, less those it sent (for {@link OutboxBacklog}); 0 before the first sweep. */
    public int backlog() {
        return backlog;
    }

    /** How many records are kept (one listing; for tests and metrics). */
    public int kept() {
        int n = 0;
        for (S3Object ignored : s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(prefix)).contents()) {
            n++;
        }
        return n;
    }
}
