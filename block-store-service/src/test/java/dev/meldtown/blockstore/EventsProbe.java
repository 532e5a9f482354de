package dev.meldtown.blockstore;

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

/** Reads events back from the real broker, as a downstream consumer would. */
final class EventsProbe {
    record Seen(String key, CloudEvent event, JsonNode data) {
    }

    static List<Seen> await(String bootstrap, String topic, Predicate<Seen> match, int count, Duration timeout) throws Exception {
        try (var consumer = new KafkaConsumer<String, byte[]>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.GROUP_ID_CONFIG, "probe-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"), new StringDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            List<Seen> seen = new ArrayList<>();
            long deadline = System.nanoTime() + timeout.toNanos();
            while (seen.size() < count && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(250))) {
                    CloudEvent event = EventCodec.decode(r.value());
                    Seen s = new Seen(r.key(), event, EventCodec.mapper().readTree(event.getData().toBytes()));
                    if (match.test(s)) {
                        seen.add(s);
                    }
                }
            }
            return seen;
        }
    }
}
