package dev.meldtown.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meldtown.testkit.junit.KafkaExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class KafkaSmokeTest {
    @RegisterExtension
    static KafkaExtension kafka = new KafkaExtension();

    @Test
    void recordProducedIsConsumedByAGroupWithKeyAndValueIntact() throws Exception {
        kafka.broker().createTopics(3, "smoke");
        try (var producer = new KafkaProducer<String, String>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new StringSerializer())) {
            var metadata = producer.send(new ProducerRecord<>("smoke", "acme/todo", "{\"n\":1}")).get();
            assertThat(metadata.offset()).isZero();
        }
        try (var consumer = new KafkaConsumer<String, String>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "smoke-group",
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"), new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of("smoke"));
            List<ConsumerRecord<String, String>> seen = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (seen.isEmpty() && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(seen::add);
            }
            assertThat(seen).hasSize(1);
            assertThat(seen.get(0).key()).isEqualTo("acme/todo");
            assertThat(seen.get(0).value()).isEqualTo("{\"n\":1}");
            consumer.commitSync();
        }
    }
}
