package dev.meldtown.blockstore;

import dev.meldtown.crdt.MemoryStorage;
import dev.meldtown.events.Topics;
import dev.meldtown.service.S3Config;
import dev.meldtown.testkit.EventsProbe;
import dev.meldtown.testkit.KafkaProcess;
import dev.meldtown.testkit.quarkus.KafkaProcessTestResource;
import dev.meldtown.testkit.quarkus.S3TestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import static dev.meldtown.blockstore.Fixtures.as;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * block.committed is delivered at least once even when Kafka is down during the upload, or when the service
 * died between the S3 write and the publish: the outbox in S3 is swept and re-published.
 */
@QuarkusTest
@TestProfile(OutboxTest.FastSweep.class)
@QuarkusTestResource(value = KafkaProcessTestResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = S3TestResource.class, restrictToAnnotatedClass = true)
class OutboxTest {
    public static class FastSweep implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("meldtown.block-store.outbox.grace", "PT1S", "meldtown.block-store.outbox.sweep-every", "1s");
        }
    }

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    @ConfigProperty(name = "meldtown.test.kafka-dir")
    String kafkaDir;

    @Inject
    S3Client s3;

    @Inject
    S3Config s3Config;

    @Test
    void anUploadWhileKafkaIsDownIsAnnouncedAfterKafkaComesBack() throws Exception {
        String doc = Fixtures.uniqueDoc();
        MemoryStorage local = Fixtures.localReplica("{\"title\":\"written while Kafka was down\"}");
        String block = local.list(".delta").get(0);

        KafkaProcess.stop(Path.of(kafkaDir));
        for (String key : Fixtures.uploadOrder(local)) {
            as("acme", "writer").body(local.read(key)).put("/v1/tenants/acme/docs/{doc}/replicas/alice/files/{key}", doc, key)
                    .then().statusCode(201);
        }
        // the delta is durable and the intent to announce it is in the outbox
        assertThat(keys("outbox/acme/" + doc + "/alice/")).containsExactly("outbox/acme/" + doc + "/alice/" + block + ".json");

        KafkaProcess.start(Path.of(kafkaDir));
        var events = EventsProbe.await(bootstrap, Topics.BLOCKS, s -> block.equals(s.data().path("block").asText()), 1, Duration.ofSeconds(90));
        assertThat(events).hasSize(1);
        assertThat(events.get(0).key()).isEqualTo("acme/" + doc);
        awaitEmpty("outbox/acme/" + doc + "/");
    }

    @Test
    void aDeltaLeftBehindByACrashIsAnnouncedAndAnIntentWithoutDeltaIsDropped() throws Exception {
        String doc = Fixtures.uniqueDoc();
        MemoryStorage local = Fixtures.localReplica("{\"title\":\"the service died after this write\"}");
        String block = local.list(".delta").get(0);
        String replicaPrefix = "tenants/acme/docs/" + doc + "/replicas/bob/";
        // what a crash between the S3 write and the publish leaves: outbox entry, packs and delta, no event
        put("outbox/acme/" + doc + "/bob/" + block + ".json", ("{\"tenant\":\"acme\",\"doc\":\"" + doc + "\",\"replica\":\"bob\",\"block\":\""
                + block + "\",\"parents\":[],\"packs\":[],\"bytes\":1}").getBytes());
        for (String key : Fixtures.uploadOrder(local)) {
            put(replicaPrefix + key.substring(0, 2) + "/" + key, local.read(key));
        }
        // and a crash before the delta write: an intent whose block never landed
        String ghost = "f".repeat(64);
        put("outbox/acme/" + doc + "/bob/" + ghost + ".json", ("{\"tenant\":\"acme\",\"doc\":\"" + doc + "\",\"replica\":\"bob\",\"block\":\""
                + ghost + "\",\"parents\":[],\"packs\":[],\"bytes\":1}").getBytes());

        // the sweeper re-publishes it once it is older than the grace period (PT10S) and Kafka is up: 90 s as above, for a
        // broker of this class that is still starting (it once took more than 60 s in a full run)
        var events = EventsProbe.await(bootstrap, Topics.BLOCKS, s -> doc.equals(s.data().path("doc").asText()), 1, Duration.ofSeconds(90));
        assertThat(events).as("the left-behind entry is announced; health: %s; outbox now: %s",
                io.restassured.RestAssured.get("/q/health").asString(), keys("outbox/acme/" + doc + "/")).hasSize(1);
        assertThat(events.get(0).data().get("block").asText()).isEqualTo(block);
        awaitEmpty("outbox/acme/" + doc + "/");
        assertThat(EventsProbe.await(bootstrap, Topics.BLOCKS, s -> ghost.equals(s.data().path("block").asText()), 1, Duration.ofSeconds(3))).isEmpty();
    }

    private void put(String key, byte[] bytes) {
        s3.putObject(b -> b.bucket(s3Config.bucket()).key(key), RequestBody.fromBytes(bytes));
    }

    private java.util.List<String> keys(String prefix) {
        return s3.listObjectsV2Paginator(b -> b.bucket(s3Config.bucket()).prefix(prefix)).contents().stream().map(o -> o.key()).toList();
    }

    private void awaitEmpty(String prefix) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!keys(prefix).isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        assertThat(keys(prefix)).isEmpty();
    }
}
