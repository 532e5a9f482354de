package dev.meldtown.blockstore;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;

import dev.meldtown.testkit.quarkus.KafkaTestResource;
import dev.meldtown.testkit.quarkus.S3TestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import static org.assertj.core.api.Assertions.assertThat;

/** The service boots against real Kafka and S3 and reports itself ready only through them. */
@QuarkusTest
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
                .body("info.title", equalTo("Meldtown block-store"));
    }

    @Test
    void theConsoleIsServedAndFindsTheSyncApiOnItsOwnOriginWhenNoUrlIsSet() {
        // no MELDTOWN_CONSOLE_SYNC_URL here, as behind the Helm chart's ingress (one host for both APIs)
        given().when().get("/console/config").then().statusCode(200).body("syncUrl", org.hamcrest.Matchers.nullValue());
        given().when().get("/console/").then().statusCode(200).contentType(containsString("text/html"));
    }

    @Test
    void unknownPathsAnswerWithProblemJson() {
        given().when().get("/v1/does-not-exist").then()
                .statusCode(404)
                .contentType("application/problem+json")
                .body("status", equalTo(404))
                .body("title", equalTo("Not Found"));
    }

    static final String DOC = "/v1/tenants/{tenant}/docs/{doc}";
    static final String REPLICA = DOC + "/replicas/{replica}";

    @Test
    @SuppressWarnings("unchecked")
    void theOpenApiDocumentTellsEveryAnswerAndShape() {
        String json = given().accept("application/json").when().get("/q/openapi?format=json").then().statusCode(200).extract().asString();
        Map<String, Object> api = io.restassured.path.json.JsonPath.from(json).getMap("$");
        Map<String, Object> paths = (Map<String, Object>) api.get("paths");
        // every operation of the API tells its errors as problem+json
        int operations = 0;
        for (var path : paths.entrySet()) {
            if (!path.getKey().startsWith("/v1/")) {
                continue;
            }
            for (var op : ((Map<String, Object>) path.getValue()).entrySet()) {
                if (!List.of("get", "put", "post", "head", "delete").contains(op.getKey())) {
                    continue;
                }
                operations++;
                Map<String, Object> responses = (Map<String, Object>) ((Map<String, Object>) op.getValue()).get("responses");
                assertThat(responses.keySet()).as(op.getKey() + " " + path.getKey()).contains("400", "401", "403", "414", "431", "500", "503");
                responses.forEach((code, response) -> {
                    if (code.startsWith("4") || code.startsWith("5")) {
                        Map<String, Object> content = (Map<String, Object>) ((Map<String, Object>) response).get("content");
                        assertThat(content).as(code + " of " + op.getKey() + " " + path.getKey()).containsOnlyKeys("application/problem+json");
                    }
                });
            }
        }
        assertThat(operations).isEqualTo(21);
        // issue 14 item 4: quotas; the writes tell their quota answers
        assertThat(codes(paths, "/v1/tenants/{tenant}/quota", "put")).contains("200", "400", "401", "403", "410", "415", "503");
        assertThat(codes(paths, "/v1/tenants/{tenant}/usage", "get")).contains("200", "400", "401", "403", "410", "503");
        for (String[] write : List.of(new String[] {DOC, "put"}, new String[] {REPLICA + "/files/{key}", "put"},
                new String[] {REPLICA + "/commits", "post"}, new String[] {REPLICA + "/resolve", "post"},
                new String[] {DOC + "/replicas/{target}/meld", "post"})) {
            assertThat(codes(paths, write[0], write[1])).as(write[1] + " " + write[0]).contains("413", "429");
        }
        Map<String, Object> usage = schema(paths, "/v1/tenants/{tenant}/usage", "get", "200");
        assertThat(String.valueOf(usage.get("$ref"))).endsWith("TenantUsage");
        // issue 14: the deletions, and 410 for a deleted scope on every operation under a document
        assertThat(codes(paths, "/v1/tenants/{tenant}", "delete")).contains("202", "400", "401", "403", "503");
        assertThat(codes(paths, DOC, "delete")).contains("202", "404", "410");
        assertThat(codes(paths, DOC + "/replicas/{replica}", "delete")).contains("202", "404", "409", "410");
        assertThat(codes(paths, DOC, "get")).contains("410");
        assertThat(codes(paths, REPLICA + "/document", "get")).contains("410");
        assertThat(codes(paths, "/v1/tenants/{tenant}/docs", "get")).contains("410");
        assertThat(codes(paths, DOC + "/events", "get")).contains("200", "400", "401", "403", "404", "503");
        assertThat(codes(paths, "/v1/tenants/{tenant}/docs", "get")).contains("200", "400", "401", "403");
        assertThat(codes(paths, REPLICA + "/commits", "post")).contains("200", "201", "422", "413", "415");
        assertThat(codes(paths, REPLICA + "/files/{key}", "put")).contains("200", "201", "409", "413", "422");
        assertThat(codes(paths, REPLICA + "/files/{key}", "get")).contains("200", "206", "404", "416");
        assertThat(codes(paths, DOC + "/replicas/{target}/meld", "post")).contains("202", "503");
        assertThat(codes(paths, DOC, "put")).contains("200", "201", "409");
        // log, conflicts and history are arrays
        for (String view : List.of("/log", "/conflicts", "/objects/{uuid}/history")) {
            Map<String, Object> schema = schema(paths, REPLICA + view, "get", "200");
            assertThat(String.valueOf(schema.get("type"))).as(view).contains("array");
        }
        // nullable fields are nullable: the commit's block and the listing's next
        Map<String, Object> schemas = (Map<String, Object>) ((Map<String, Object>) api.get("components")).get("schemas");
        assertThat(nullable((Map<String, Object>) ((Map<String, Object>) ((Map<String, Object>) schemas.get("Committed")).get("properties")).get("block"))).isTrue();
        assertThat(nullable((Map<String, Object>) ((Map<String, Object>) ((Map<String, Object>) schemas.get("FileList")).get("properties")).get("next"))).isTrue();
        assertThat(nullable((Map<String, Object>) ((Map<String, Object>) ((Map<String, Object>) schemas.get("DocList")).get("properties")).get("next"))).isTrue();
        assertThat((List<String>) ((Map<String, Object>) schemas.get("Problem")).get("required")).contains("type", "title", "status", "detail");
    }

    @SuppressWarnings("unchecked")
    private static java.util.Set<String> codes(Map<String, Object> paths, String path, String method) {
        assertThat(paths).containsKey(path);
        assertThat((Map<String, Object>) paths.get(path)).containsKey(method);
        return ((Map<String, Object>) ((Map<String, Object>) ((Map<String, Object>) paths.get(path)).get(method)).get("responses")).keySet();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> schema(Map<String, Object> paths, String path, String method, String code) {
        Map<String, Object> response = (Map<String, Object>) ((Map<String, Object>) ((Map<String, Object>) ((Map<String, Object>) paths.get(path))
                .get(method)).get("responses")).get(code);
        return (Map<String, Object>) ((Map<String, Object>) ((Map<String, Object>) response.get("content")).get("application/json")).get("schema");
    }

    private static boolean nullable(Map<String, Object> property) {
        return Boolean.TRUE.equals(property.get("nullable")) || String.valueOf(property.get("type")).contains("null");
    }
}
