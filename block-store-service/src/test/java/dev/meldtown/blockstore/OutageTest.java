package dev.meldtown.blockstore;

import static dev.meldtown.blockstore.Fixtures.as;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;

import dev.meldtown.blockstore.internal.BlockAnnouncer;
import dev.meldtown.crdt.MemoryStorage;
import dev.meldtown.events.Topics;
import dev.meldtown.testkit.EventsProbe;
import dev.meldtown.testkit.KafkaProcess;
import dev.meldtown.testkit.S3Process;
import dev.meldtown.testkit.quarkus.KafkaProcessTestResource;
import dev.meldtown.testkit.quarkus.S3ProcessTestResource;
import io.quarkus.scheduler.Scheduler;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.ValidatableResponse;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Dependencies going away and coming back, with real servers stopped and started under the running service: an S3
 * outage answers 503 problem+json with Retry-After (never 500), a Kafka outage neither hangs the health checks nor
 * blocks commits (they land in the outbox and are announced once Kafka is back), merge requests fail fast with 503, and
 * a stopped background worker makes liveness DOWN.
 */
@QuarkusTest
@TestProfile(OutageTest.Fast.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@QuarkusTestResource(value = KafkaProcessTestResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = S3ProcessTestResource.class, restrictToAnnotatedClass = true)
class OutageTest {
    static final Duration HEALTH_LIMIT = Duration.ofSeconds(2);

    public static class Fast implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("meldtown.block-store.outbox.grace", "PT1S", "meldtown.block-store.outbox.sweep-every", "1s",
                    "meldtown.block-store.outbox.max-silence", "PT5S");
        }
    }

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    @ConfigProperty(name = "meldtown.test.kafka-dir")
    String kafkaDir;

    @ConfigProperty(name = "meldtown.test.s3-dir")
    String s3Dir;

    @Inject
    Scheduler scheduler;

    @Test
    @Order(1)
    void anS3OutageAnswers503WithRetryAfterOnReadsAndWritesAndTheServiceRecovers() throws Exception {
        String doc = Fixtures.uniqueDoc();
        String base = "/v1/tenants/acme/docs/" + doc;
        commit(base, "{\"title\":\"before the outage\"}").statusCode(201);
        MemoryStorage local = Fixtures.localReplica("{\"title\":\"uploaded\"}");
        String pack = local.list(".pack").get(0) + ".pack";

        S3Process.stop(Path.of(s3Dir));
        try {
            Map<String, Supplier<ValidatableResponse>> calls = new LinkedHashMap<>();
            calls.put("GET document settings", () -> as("acme", "reader").get(base).then());
            calls.put("PUT settings", () -> as("acme", "writer").contentType("application/json").body("{\"compression\":\"none\"}").put(base).then());
            calls.put("GET read", () -> as("acme", "reader").get(base + "/replicas/alice/document").then());
            calls.put("GET log", () -> as("acme", "reader").get(base + "/replicas/alice/log").then());
            calls.put("GET conflicts", () -> as("acme", "reader").get(base + "/replicas/alice/conflicts").then());
            calls.put("GET file list", () -> as("acme", "reader").get(base + "/replicas/alice/files").then());
            calls.put("GET file", () -> as("acme", "reader").get(base + "/replicas/alice/files/" + pack).then());
            calls.put("PUT file", () -> as("acme", "writer").body(local.read(pack)).put(base + "/replicas/alice/files/" + pack).then());
            calls.put("POST commit", () -> commit(base, "{\"title\":\"during the outage\"}"));
            calls.put("POST resolve", () -> as("acme", "writer").contentType("application/json").body("{}").post(base + "/replicas/alice/resolve").then());
            calls.forEach((what, call) -> {
                var answer = call.get().extract();
                assertThat(answer.statusCode()).as(what + ": " + answer.asString()).isEqualTo(503);
                assertThat(answer.contentType()).as(what).startsWith("application/problem+json");
                assertThat(answer.header("Retry-After")).as(what).isNotBlank();
                assertThat(answer.jsonPath().getString("type")).as(what).isEqualTo("https://meldtown.dev/problems/storage-unavailable");
            });
            // HEAD has no body, but the same status and Retry-After
            as("acme", "reader").head(base + "/replicas/alice/files/" + pack).then().statusCode(503).header("Retry-After", notNullValue());
            // readiness tells, quickly; liveness stays up (an outage is not a reason to restart)
            awaitReadiness(503);
            timed(() -> given().get("/q/health/live").then().statusCode(200));
        } finally {
            S3Process.start(Path.of(s3Dir));
        }
        awaitReadiness(200);
        commit(base, "{\"title\":\"after the outage\"}").statusCode(201);
        as("acme", "reader").get(base + "/replicas/alice/document").then().statusCode(200).body("title", equalTo("after the outage"));
        as("acme", "writer").body(local.read(pack)).put(base + "/replicas/alice/files/" + pack).then().statusCode(201);
    }

    @Test
    @Order(2)
    void aKafkaOutageNeitherHangsHealthNorBlocksCommitsAndMeldsFailFast() throws Exception {
        String doc = Fixtures.uniqueDoc();
        String base = "/v1/tenants/acme/docs/" + doc;
        commit(base, "{\"title\":\"before\"}").statusCode(201);
        as("acme", "writer").contentType("application/json").body("{\"document\":{\"title\":\"hub\"}}").post(base + "/replicas/hub/commits")
                .then().statusCode(201);

        KafkaProcess.stop(Path.of(kafkaDir));
        String block;
        try {
            awaitReadiness(503);
            for (int i = 0; i < 3; i++) {
                timed(() -> given().get("/q/health/ready").then().statusCode(503)
                        .body("checks.find { it.name == 'Kafka connection health check' }.status", equalTo("DOWN")));
                timed(() -> given().get("/q/health/live").then().statusCode(200));
            }
            // a commit lands in S3 and the outbox at once
            long start = System.nanoTime();
            block = commit(base, "{\"title\":\"written while Kafka was down\"}").statusCode(201).extract().jsonPath().getString("block");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
            // a merge request has no outbox: 503 at once, with Retry-After
            start = System.nanoTime();
            as("acme", "writer").contentType("application/json").body("{\"source\":\"alice\"}").post(base + "/replicas/hub/meld").then()
                    .statusCode(503).contentType("application/problem+json").header("Retry-After", notNullValue())
                    .body("type", equalTo("https://meldtown.dev/problems/events-unavailable"));
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
        } finally {
            KafkaProcess.start(Path.of(kafkaDir));
        }
        var events = EventsProbe.await(bootstrap, Topics.BLOCKS, s -> block.equals(s.data().path("block").asText()), 1, Duration.ofSeconds(90));
        assertThat(events).hasSize(1);
        assertThat(events.get(0).key()).isEqualTo("acme/" + doc);
        awaitReadiness(200);
        as("acme", "writer").contentType("application/json").body("{\"source\":\"alice\"}").post(base + "/replicas/hub/meld").then().statusCode(202);
    }

    @Test
    @Order(3)
    void livenessIsDownWhileTheOutboxSweeperMakesNoProgress() throws Exception {
        given().get("/q/health/live").then().statusCode(200)
                .body("checks.find { it.name == 'background workers' }.data.'outbox sweeper'", equalTo("alive"));
        scheduler.pause(BlockAnnouncer.SWEEP_JOB);
        try {
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (given().get("/q/health/live").then().extract().statusCode() != 503 && System.nanoTime() < deadline) {
                Thread.sleep(250);
            }
            timed(() -> given().get("/q/health/live").then().statusCode(503).body("status", equalTo("DOWN"))
                    .body("checks.find { it.name == 'background workers' }.data.'outbox sweeper'", org.hamcrest.Matchers.startsWith("no progress")));
        } finally {
            scheduler.resume(BlockAnnouncer.SWEEP_JOB);
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (given().get("/q/health/live").then().extract().statusCode() != 200 && System.nanoTime() < deadline) {
            Thread.sleep(250);
        }
        given().get("/q/health/live").then().statusCode(200);
    }

    private static ValidatableResponse commit(String base, String json) {
        return as("acme", "writer").contentType("application/json").body("{\"document\":" + json + "}").post(base + "/replicas/alice/commits").then();
    }

    /** Runs a health request (its fastest of 3 answers, as the machine is shared) and asserts it is within the limit. */
    private static void timed(Runnable request) {
        assertThat(dev.meldtown.testkit.Timing.fastestOf(3, request)).isLessThan(HEALTH_LIMIT);
    }

    /** Waits (each answer within the limit) until readiness answers {@code status}. */
    private static void awaitReadiness(int status) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            long start = System.nanoTime();
            int answer = given().get("/q/health/ready").then().extract().statusCode();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(HEALTH_LIMIT);
            if (answer == status || System.nanoTime() > deadline) {
                assertThat(answer).isEqualTo(status);
                return;
            }
            Thread.sleep(250);
        }
    }
}
