package dev.meldtown.blockstore;

import static dev.meldtown.blockstore.Fixtures.as;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;

import dev.meldtown.crdt.MemoryStorage;
import dev.meldtown.events.Topics;
import dev.meldtown.service.KafkaSecurity;
import dev.meldtown.testkit.EventsProbe;
import dev.meldtown.testkit.KafkaProcess;
import dev.meldtown.testkit.quarkus.KafkaProcessTestResource;
import dev.meldtown.testkit.quarkus.S3TestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.smallrye.common.annotation.Identifier;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/**
 * The service against a broker that accepts only SASL/SCRAM-SHA-512, configured as a deployment configures it
 * ({@code KAFKA_SECURITY_PROTOCOL}, {@code KAFKA_SASL_MECHANISM}, {@code KAFKA_USERNAME}, {@code KAFKA_PASSWORD}):
 * Quarkus' Kafka health check and the event producer both authenticate, and a wrong password is refused.
 */
@QuarkusTest
@TestProfile(KafkaScramTest.Scram.class)
@QuarkusTestResource(value = KafkaProcessTestResource.class, initArgs = @ResourceArg(name = "scram", value = "true"),
        restrictToAnnotatedClass = true)
@QuarkusTestResource(value = S3TestResource.class, restrictToAnnotatedClass = true)
class KafkaScramTest {
    /** Its own application: the others run without {@code meldtown.test.kafka-dir}. */
    public static class Scram implements QuarkusTestProfile {
    }

    @ConfigProperty(name = "meldtown.test.kafka-dir")
    String kafkaDir;

    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafkaConfig;

    @Test
    void everyClientIsBuiltFromTheSecuredConfigurationAndItHoldsNoBarePassword() {
        assertThat(kafkaConfig).containsEntry("security.protocol", "SASL_PLAINTEXT").containsEntry("sasl.mechanism", "SCRAM-SHA-512")
                .containsKey("sasl.jaas.config").doesNotContainKeys("username", "password");
        // Quarkus' own admin client (the readiness check) is built from it too, and gets in
        given().when().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"))
                .body("checks.name", hasItems("Kafka connection health check"));
    }

    @Test
    void aCommitIsAnnouncedThroughTheScramListener() throws Exception {
        String doc = Fixtures.uniqueDoc();
        MemoryStorage local = Fixtures.localReplica("{\"title\":\"announced through SASL/SCRAM\"}");
        String block = local.list(".delta").get(0);
        for (String key : Fixtures.uploadOrder(local)) {
            as("acme", "writer").body(local.read(key)).put("/v1/tenants/acme/docs/{doc}/replicas/alice/files/{key}", doc, key)
                    .then().statusCode(201);
        }
        var events = EventsProbe.await(KafkaProcess.clientConfig(Path.of(kafkaDir)), Topics.BLOCKS,
                s -> block.equals(s.data().path("block").asText()), 1, Duration.ofSeconds(60));
        assertThat(events).hasSize(1);
        assertThat(events.get(0).key()).isEqualTo("acme/" + doc);
    }

    @Test
    void theServicesSettingsWithAWrongPasswordAreRefused() {
        Map<String, Object> raw = new HashMap<>(Map.of("bootstrap.servers", kafkaConfig.get("bootstrap.servers"),
                "security.protocol", "SASL_PLAINTEXT", "username", KafkaProcess.scram(Path.of(kafkaDir)).username(),
                "password", "not-the-password"));
        Map<String, Object> config = KafkaSecurity.apply(raw);
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
        assertThatThrownBy(() -> {
            try (var producer = new KafkaProducer<String, byte[]>(config, new StringSerializer(), new ByteArraySerializer())) {
                producer.send(new ProducerRecord<>(Topics.BLOCKS, "acme/intruder", new byte[] {1})).get(20, TimeUnit.SECONDS);
            }
        }).hasRootCauseInstanceOf(SaslAuthenticationException.class);
    }
}
