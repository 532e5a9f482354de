package dev.meldtown.acceptance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.meldtown.testkit.EventsProbe;
import dev.meldtown.testkit.KafkaProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A {@code .stack} whose Kafka log dir was formatted by a {@code bin/stack} from before Kafka used SASL (a PLAINTEXT
 * listener, no SCRAM users): {@code bin/stack up} keeps its data, adds the SCRAM user, and from then on lets only
 * that user in; the services come up on it.
 */
class StackUpgradeTest {
    static final String LEGACY_TOPIC = "meldtown.legacy";

    @TempDir
    static Path stackDir;
    static LocalStack local;

    @BeforeAll
    static void upOnAnOlderKafkaLogDir() throws Exception {
        Path kafka = stackDir.resolve("data/kafka");
        KafkaProcess.create(kafka);  // PLAINTEXT, formatted without users: what the older bin/stack left
        Map<String, Object> producerConfig = new HashMap<>(KafkaProcess.clientConfig(kafka));
        producerConfig.put("acks", "all");
        try (var producer = new KafkaProducer<String, String>(producerConfig, new StringSerializer(), new StringSerializer())) {
            producer.send(new ProducerRecord<>(LEGACY_TOPIC, "acme/old", "written before SASL")).get(60, TimeUnit.SECONDS);
        }
        KafkaProcess.stop(kafka);
        Files.delete(kafka.resolve("pid"));
        local = LocalStack.up(stackDir);
    }

    @AfterAll
    static void down() throws Exception {
        if (local != null) {
            local.down();
        }
    }

    @Test
    void upKeepsTheRecordsAddsTheUserAndRefusesClientsWithoutIt() throws Exception {
        assertThat(local.upExitCode).as(local.upOutput).isZero();
        assertThat(local.upOutput).contains("adding SCRAM user meldtown").contains("town south: UP");
        assertThat(local.get("KAFKA_SECURITY_PROTOCOL")).isEqualTo("SASL_PLAINTEXT");

        var seen = EventsProbe.await(local.kafkaClient(), LEGACY_TOPIC, s -> true, 1, Duration.ofSeconds(60));
        assertThat(seen).hasSize(1);
        assertThat(new String(seen.get(0).value())).isEqualTo("written before SASL");

        assertThatThrownBy(() -> StackTest.listTopics(Map.of("bootstrap.servers", local.get("KAFKA_BOOTSTRAP"))))
                .as("a client without credentials").isInstanceOfAny(ExecutionException.class, TimeoutException.class);
    }
}
