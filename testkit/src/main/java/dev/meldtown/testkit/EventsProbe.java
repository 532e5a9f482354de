package dev.meldtown.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import dev.meldtown.events.EventCodec;
import io.cloudevents.CloudEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/** Reads events back from the real broker, as a downstream consumer would (a fresh consumer group, from the start). */
public final class EventsProbe {
    private EventsProbe() {
    }

    /** A record: its key, the CloudEvent and its data (null when the value is not an event), headers and raw value. */
    public record Seen(String key, CloudEvent event, JsonNode data, Map<String, String> headers, byte[] value) {
        public String type() {
            return event == null ? null : event.getType();
        }
    }

    /** The first {@code count} records of {@code topic} that {@code match}, or fewer when {@code timeout} passes. */
    public static List<Seen> await(String bootstrap, String topic, Predicate<Seen> match, int count, Duration timeout) throws Exception {
        return await(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap), topic, match, count, timeout);
    }

    /**
     * As {@link #await(String, String, Predicate, int, Duration)} with a client configuration: the bootstrap servers and
     * any security settings (for example {@link KafkaProcess#clientConfig(java.nio.file.Path)} of a SCRAM broker).
     */
    public static List<Seen> await(Map<String, Object> client, String topic, Predicate<Seen> match, int count, Duration timeout) throws Exception {
        Map<String, Object> config = new java.util.HashMap<>(client);
        config.put(ConsumerConfig.GROUP_ID_CONFIG, "probe-" + UUID.randomUUID());
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        try (var consumer = new KafkaConsumer<String, byte[]>(config, new StringDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            List<Seen> seen = new ArrayList<>();
            long deadline = System.nanoTime() + timeout.toNanos();
            while (seen.size() < count && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(250))) {
                    Map<String, String> headers = new java.util.HashMap<>();
                    r.headers().forEach(h -> headers.put(h.key(), new String(h.value(), java.nio.charset.StandardCharsets.UTF_8)));
                    CloudEvent event = null;
                    JsonNode data = null;
                    try {
                        event = EventCodec.decode(r.value());
                        data = EventCodec.mapper().readTree(event.getData().toBytes());
                    } catch (RuntimeException e) {
                        // dead letters may be anything
                    }
                    Seen s = new Seen(r.key(), event, data, headers, r.value());
                    if (match.test(s)) {
                        seen.add(s);
                    }
                }
            }
            return seen;
        }
    }
}
