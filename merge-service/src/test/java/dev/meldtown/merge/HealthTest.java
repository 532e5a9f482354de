package dev.meldtown.merge;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;

import dev.meldtown.testkit.quarkus.KafkaTestResource;
import dev.meldtown.testkit.quarkus.S3TestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

/** The service boots against real Kafka and S3 and reports itself ready only through them. */
@QuarkusTest
@org.junit.jupiter.api.TestMethodOrder(org.junit.jupiter.api.MethodOrderer.OrderAnnotation.class)
@QuarkusTestResource(value = KafkaTestResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = S3TestResource.class, restrictToAnnotatedClass = true)
class HealthTest {
    @Test
    void readinessIsUpAndNamesEveryRealDependency() {
        given().when().get("/q/health/ready").then()
                .statusCode(200)
                .body("status", equalTo("UP"))
                .body("checks.name", hasItems("S3 bucket meldtown", "Kafka connection health check"));
    }

    @Test
    void livenessMetricsAndOpenApiFollowQuarkusDefaults() {
        given().when().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
        given().when().get("/q/health/started").then().statusCode(200).body("status", equalTo("UP"));
        given().when().get("/q/metrics").then().statusCode(200).body(containsString("jvm_memory_used_bytes"));
        given().accept("application/json").when().get("/q/openapi").then().statusCode(200)
                .body("info.title", equalTo("Meldtown merge"));
    }

    @Test
    void unknownPathsAnswerWithProblemJson() {
        given().when().get("/v1/does-not-exist").then()
                .statusCode(404)
                .contentType("application/problem+json")
                .body("status", equalTo(404))
                .body("title", equalTo("Not Found"));
    }

    @Test
    void healthAnswersQuicklyAndLivenessWatchesTheConsumer() {
        given().when().get("/q/health/live"); // the first request of a fresh service loads classes: not what is measured
        java.time.Duration took = dev.meldtown.testkit.Timing.fastestOf(3, () -> given().when().get("/q/health/live").then().statusCode(200)
                .body("checks.find { it.name == 'background workers' }.data.'merge consumer'", equalTo("alive")));
        org.assertj.core.api.Assertions.assertThat(took).isLessThan(java.time.Duration.ofSeconds(2));
    }

    @Test
    void theOpenApiDocumentListsOperationsAndProblemSchema() {
        given().accept("application/json").when().get("/q/openapi?format=json").then().statusCode(200)
                .body("paths.keySet()", hasItems("/q/health/live", "/q/health/ready"))
                .body("components.schemas.Problem.required", hasItems("type", "title", "status", "detail"));
    }

    @Test
    void httpLimitsAnswerProblemJson() {
        given().when().get("/q/health/live?x=" + "a".repeat(9000)).then().statusCode(414)
                .contentType("application/problem+json").body("status", equalTo(414));
        given().header("X-Padding", "p".repeat(20_000)).when().get("/q/health/live").then().statusCode(431)
                .contentType("application/problem+json").body("status", equalTo(431));
    }

    /** Last: a consumer thread that ends while the service runs makes liveness DOWN, so the platform restarts it. */
    @Test
    @org.junit.jupiter.api.Order(Integer.MAX_VALUE)
    void livenessIsDownOnceTheConsumerThreadIsGone() throws Exception {
        Thread consumer = Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals("meldtown-merge-consumer"))
                .findFirst().orElseThrow();
        consumer.interrupt();
        consumer.join(30_000);
        org.assertj.core.api.Assertions.assertThat(consumer.isAlive()).isFalse();
        given().when().get("/q/health/live").then().statusCode(503).body("status", equalTo("DOWN"))
                .body("checks.find { it.name == 'background workers' }.data.'merge consumer'", equalTo("the consumer thread ended"));
    }
}
