package dev.meldtown.service;

import dev.meldtown.events.EventCodec;
import dev.meldtown.events.EventType;
import dev.meldtown.events.Topics;
import io.smallrye.common.annotation.Identifier;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import dev.meldtown.service.tracing.KafkaTracing;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The one Kafka producer of a service: every event waits for the broker's acknowledgement (acks=all, idempotent
 * producer) and fails fast when Kafka is away, so callers decide what to keep for later (an outbox, a retry).
 */
@ApplicationScoped
public class EventPublisher {
    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafkaConfig;

    @ConfigProperty(name = "quarkus.application.name", defaultValue = "meldtown")
    String clientId;

    @Inject
    Workers workers;

    private volatile Producer<String, byte[]> producer;
    private volatile String producerClientId;

    /** Encodes {@code data} as the contract's CloudEvent (schema-checked) and publishes it keyed {@code tenant/subject}. */
    public void publish(EventType type, String tenant, String subject, Object data) {
        publish(type, type.source(), tenant, subject, data);
    }

    /** As {@link #publish(EventType, String, String, Object)} with another CloudEvents {@code source}. */
    public void publish(EventType type, String source, String tenant, String subject, Object data) {
        send(type.topic(), Topics.key(tenant, subject), encode(type, source, subject, data), Map.of());
    }

    /** The contract's CloudEvent for {@code data} (schema-checked), carrying the current trace in its {@code traceparent} extension. */
    public static byte[] encode(EventType type, String source, String subject, Object data) {
        return EventCodec.encode(type, source, subject, data, KafkaTracing.current());
    }

    /**
     * Sends one record and waits for the acknowledgement.
     *
     * @throws PublishException if Kafka did not acknowledge in time
     */
    public void send(String topic, String key, byte[] value, Map<String, String> headers) {
        send(topic, key, value, headers, Duration.ofSeconds(30));
    }

    /** As {@link #publish(EventType, String, String, Object)}, waiting at most {@code wait} for the acknowledgement. */
    public void publish(EventType type, String tenant, String subject, Object data, Duration wait) {
        send(type.topic(), Topics.key(tenant, subject), encode(type, type.source(), subject, data), Map.of(), wait);
    }

    /**
     * Sends one record and waits at most {@code wait} for the acknowledgement (plus up to {@code max.block.ms}, 3 s,
     * while the producer has no metadata for the topic).
     *
     * @throws PublishException if Kafka did not acknowledge in time
     */
    public void send(String topic, String key, byte[] value, Map<String, String> headers, Duration wait) {
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(topic, key, value);
        headers.forEach((k, v) -> record.headers().add(new RecordHeader(k, v.getBytes(StandardCharsets.UTF_8))));
        try {
            producer().send(record).get(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PublishException("interrupted while publishing to " + topic, e);
        } catch (ExecutionException | TimeoutException | org.apache.kafka.common.KafkaException e) {
            throw new PublishException("could not publish to " + topic + ": " + e.getMessage(), e);
        }
    }

    private Producer<String, byte[]> producer() {
        Producer<String, byte[]> p = producer;
        if (p == null) {
            synchronized (this) {
                if (producer == null) {
                    Map<String, Object> config = new HashMap<>(kafkaConfig);
                    config.put(ProducerConfig.ACKS_CONFIG, "all");
                    config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
                    config.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, clientId + "-events-" + Integer.toHexString(System.identityHashCode(this)));
                    config.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, 0);
                    config.putIfAbsent(ProducerConfig.MAX_BLOCK_MS_CONFIG, 3000);
                    config.putIfAbsent(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000);
                    config.putIfAbsent(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 15000);
                    // instrumented: a span per send, the trace context in the record's headers
                    producer = KafkaTracing.wrap(new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer()));
                    producerClientId = String.valueOf(config.get(ProducerConfig.CLIENT_ID_CONFIG));
                    workers.watch("kafka producer", this::producerProblem);
                }
                p = producer;
            }
        }
        return p;
    }

    /** Null while the producer's network thread runs; it dies only with an Error (e.g. out of memory), never by an outage. */
    String producerProblem() {
        String thread = "kafka-producer-network-thread | " + producerClientId;
        boolean alive = Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals(thread) && t.isAlive());
        return alive || producer == null ? null : "the Kafka producer's network thread (" + thread + ") died";
    }

    @PreDestroy
    void close() {
        workers.remove("kafka producer");
        if (producer != null) {
            producer.close(Duration.ofSeconds(5));
        }
    }

    /** Kafka did not take the event: transient, the caller keeps or retries it. */
    public static final class PublishException extends RuntimeException {
        public PublishException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
