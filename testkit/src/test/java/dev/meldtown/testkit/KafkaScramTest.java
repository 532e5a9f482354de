package dev.meldtown.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A standalone broker with a SASL/SCRAM-SHA-512 client listener: its user gets in, nobody else does. */
class KafkaScramTest {
    static Path dir;
    static KafkaProcess.Scram scram;

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory("meldtown-kafka-scram-");
        scram = KafkaProcess.Scram.random();
        KafkaProcess.create(dir, scram);
    }

    @AfterAll
    static void stop() {
        KafkaProcess.stop(dir);
    }

    @Test
    void theUserPublishesAndReadsBack() throws Exception {
        assertThat(KafkaProcess.clientConfig(dir)).containsEntry("security.protocol", "SASL_PLAINTEXT")
                .containsEntry("sasl.mechanism", "SCRAM-SHA-512");
        send(KafkaProcess.clientConfig(dir), "scram-smoke", "acme/doc", "first");
        var seen = EventsProbe.await(KafkaProcess.clientConfig(dir), "scram-smoke", s -> true, 1, Duration.ofSeconds(60));
        assertThat(seen).extracting(s -> new String(s.value())).containsExactly("first");
    }

    @Test
    void aWrongPasswordIsRefused() {
        Map<String, Object> wrong = new KafkaProcess.Scram(scram.username(), scram.password() + "x").clientConfig(KafkaProcess.bootstrap(dir));
        assertThatThrownBy(() -> send(wrong, "scram-smoke", "acme/doc", "intruder"))
                .hasRootCauseInstanceOf(SaslAuthenticationException.class)
                .rootCause().hasMessageContaining("invalid credentials");
        Map<String, Object> unknownUser = new KafkaProcess.Scram("mallory", scram.password()).clientConfig(KafkaProcess.bootstrap(dir));
        assertThatThrownBy(() -> listTopics(unknownUser)).hasRootCauseInstanceOf(SaslAuthenticationException.class);
    }

    @Test
    void aClientWithoutAuthenticationGetsNothing() {
        // a PLAINTEXT client never completes the handshake the SASL listener expects
        assertThatThrownBy(() -> listTopics(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaProcess.bootstrap(dir))))
                .isInstanceOfAny(ExecutionException.class, java.util.concurrent.TimeoutException.class);
    }

    private static void send(Map<String, Object> client, String topic, String key, String value) throws Exception {
        Map<String, Object> config = new HashMap<>(client);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 20_000);
        try (var producer = new KafkaProducer<String, byte[]>(config, new StringSerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(topic, key, value.getBytes())).get(30, TimeUnit.SECONDS);
        }
    }

    private static List<String> listTopics(Map<String, Object> client) throws Exception {
        Map<String, Object> config = new HashMap<>(client);
        config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 3000);
        config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5000);
        try (Admin admin = Admin.create(config)) {
            return List.copyOf(admin.listTopics().names().get(10, TimeUnit.SECONDS));
        }
    }
}
