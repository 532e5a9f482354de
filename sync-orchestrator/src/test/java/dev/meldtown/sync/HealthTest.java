package dev.meldtown.sync;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;

import dev.meldtown.testkit.quarkus.KafkaTestResource;
import dev.meldtown.testkit.quarkus.S3TestResource;
import dev.meldtown.testkit.quarkus.DoltTownsTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

/** The service boots against real Kafka and S3 (and real Dolt towns) and reports itself ready only through them. */
@QuarkusTest
@QuarkusTestResource(value = KafkaTestResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = S3TestResource.class, restrictToAnnotatedClass = true)
// The same resources (and towns) as AuthTest and SyncApiTest, so the three share one application: a town set that
// differs between test classes leaks the previous classes' town config into the restarted application.
@QuarkusTestResource(value = DoltTownsTestResource.class, restrictToAnnotatedClass = true,
        initArgs = @ResourceArg(name = "towns", value = "north,south,east"))
class HealthTest {
    @Test
    void readinessIsUpAndNamesEveryRealDependency() {
        given().when().get("/q/health/ready").then()
                .statusCode(200)
                .body("status", equalTo("UP"))
                .body("checks.name", hasItems("S3 bucket meldtown", "Kafka connection health check", "town north", "town south", "town east"));
    }

    @Test
    void livenessMetricsAndOpenApiFollowQuarkusDefaults() {
        given().when().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
        given().when().get("/q/health/started").then().statusCode(200).body("status", equalTo("UP"));
        given().when().get("/q/metrics").then().statusCode(200).body(containsString("jvm_memory_used_bytes"));
        given().accept("application/json").when().get("/q/openapi").then().statusCode(200)
                .body("info.title", equalTo("Meldtown sync"));
    }

    @Test
    void unknownPathsAnswerWithProblemJson() {
        given().when().get("/v1/does-not-exist").then()
                .statusCode(404)
                .contentType("application/problem+json")
                .body("status", equalTo(404))
                .body("title", equalTo("Not Found"));
    }
}
