package dev.meldtown.sync;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.meldtown.testkit.Tokens;
import dev.meldtown.testkit.quarkus.DoltTownsTestResource;
import dev.meldtown.testkit.quarkus.KafkaTestResource;
import dev.meldtown.testkit.quarkus.S3TestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 10 item 10: the OpenAPI document ({@code /q/openapi?format=json}) is true. Every error response of every
 * operation is problem+json, lists are arrays, what can be null is nullable, and for a few operations every status
 * the API really answers (provoked here) is documented for that operation.
 */
@QuarkusTest
@QuarkusTestResource(value = KafkaTestResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = S3TestResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = DoltTownsTestResource.class, restrictToAnnotatedClass = true,
        initArgs = @ResourceArg(name = "towns", value = "north,south,east"))
class OpenApiTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String BASE = "/v1/tenants/{tenant}";

    @Inject
    TownsConfig config;

    JsonNode doc;

    @BeforeEach
    void load() throws Exception {
        doc = JSON.readTree(given().when().get("/q/openapi?format=json").then().statusCode(200).extract().asString());
    }

    @Test
    void everyErrorResponseIsProblemJsonAndEveryOperationDocumentsAuth() {
        int operations = 0;
        for (Iterator<Map.Entry<String, JsonNode>> paths = doc.path("paths").fields(); paths.hasNext(); ) {
            var path = paths.next();
            if (!path.getKey().startsWith("/v1/")) {
                continue;
            }
            for (Iterator<Map.Entry<String, JsonNode>> ops = path.getValue().fields(); ops.hasNext(); ) {
                var op = ops.next();
                if (!op.getValue().has("responses")) {
                    continue;
                }
                operations++;
                String name = op.getKey() + " " + path.getKey();
                JsonNode responses = op.getValue().path("responses");
                assertThat(responses.has("400") && responses.has("401") && responses.has("403") && responses.has("503"))
                        .as("%s documents 400, 401, 403 and 503: %s", name, responses).isTrue();
                for (Iterator<Map.Entry<String, JsonNode>> rs = responses.fields(); rs.hasNext(); ) {
                    var r = rs.next();
                    JsonNode response = resolve(r.getValue());
                    if (r.getKey().startsWith("2")) {
                        continue;
                    }
                    JsonNode schema = resolve(response.path("content").path("application/problem+json").path("schema"));
                    assertThat(schema.path("properties").has("status") && schema.path("properties").has("detail"))
                            .as("%s %s is problem+json: %s", name, r.getKey(), response).isTrue();
                }
            }
        }
        assertThat(operations).isGreaterThanOrEqualTo(16);
    }

    @Test
    void listsAreArraysAndWhatCanBeNullIsNullable() {
        assertThat(resolve(ok("get", BASE + "/towns")).path("type").asText()).isEqualTo("array");
        assertThat(resolve(ok("get", BASE + "/towns/{town}/peers")).path("type").asText()).isEqualTo("array");
        JsonNode round = resolve(ok("post", BASE + "/federations/{name}/sync"));
        assertThat(round.path("type").asText()).isEqualTo("array");
        JsonNode result = resolve(round.path("items"));
        for (String field : List.of("error", "pushError", "headBefore", "headAfter")) {
            assertThat(nullable(result.path("properties").path(field))).as("SyncResult.%s nullable: %s", field, result).isTrue();
        }
        assertThat(nullable(result.path("properties").path("pulledCommits"))).isFalse();
        // issue 13: the history is an array of SyncResults; resolve documents its 409 and 422; lastRound may be null
        JsonNode history = resolve(ok("get", BASE + "/towns/{town}/peers/{peer}/syncs"));
        assertThat(history.path("type").asText()).isEqualTo("array");
        assertThat(resolve(history.path("items")).path("properties").has("resolution")).isTrue();
        assertThat(resolve(ok("get", BASE + "/towns/{town}/peers/{peer}/conflicts")).path("properties").has("theirHead")).isTrue();
        JsonNode resolveOp = doc.path("paths").path(BASE + "/towns/{town}/peers/{peer}/resolve").path("post").path("responses");
        assertThat(resolveOp.has("409") && resolveOp.has("422") && resolveOp.has("404")).as("%s", resolveOp).isTrue();
        JsonNode federation = resolve(ok("get", BASE + "/federations/{name}"));
        assertThat(nullable(federation.path("properties").path("lastRound"))).as("FederationView.lastRound: %s", federation).isTrue();
        JsonNode status = resolve(ok("get", BASE + "/towns/{town}/peers/{peer}/status"));
        for (String field : List.of("localAhead", "localBehind", "lastError", "lastSuccess")) {
            assertThat(nullable(status.path("properties").path(field))).as("SyncStatus.%s nullable", field).isTrue();
        }
    }

    @Test
    void theStatusesTheApiReallyAnswersAreDocumented() {
        String tenant = "o" + UUID.randomUUID().toString().substring(0, 8);
        String admin = Tokens.token(tenant, "admin");
        List<String> checked = new ArrayList<>();

        // PUT federation: 400 (body), 401, 403, 404 (unknown town), 200
        String fed = "/v1/tenants/" + tenant + "/federations/f";
        checked.add(documented("put", BASE + "/federations/{name}",
                given().contentType(ContentType.JSON).body(Map.of("towns", List.of("north", "south"))).put(fed)));
        checked.add(documented("put", BASE + "/federations/{name}", given().header("Authorization", "Bearer " + Tokens.token("other", "admin"))
                .contentType(ContentType.JSON).body(Map.of("towns", List.of("north", "south"))).put(fed)));
        checked.add(documented("put", BASE + "/federations/{name}", given().header("Authorization", "Bearer " + admin)
                .contentType(ContentType.JSON).body(Map.of("towns", List.of("north", "north"))).put(fed)));
        checked.add(documented("put", BASE + "/federations/{name}", given().header("Authorization", "Bearer " + admin)
                .contentType(ContentType.JSON).body(Map.of("towns", List.of("north", "south"))).put(fed)));

        // PUT town: 200, 400; GET town: 200, 404; GET peers of an unreachable town: 503
        var t = config.towns().get("north");
        Map<String, Object> sql = new HashMap<>(Map.of("host", t.host(), "port", t.port(), "database", t.database(),
                "user", t.user(), "password", t.password()));
        Map<String, Object> body = new HashMap<>(Map.of("sql", sql, "remotesApiUrl", t.remotesApiUrl().orElseThrow(),
                "remoteUser", t.remoteUser().orElseThrow()));
        String town = "/v1/tenants/" + tenant + "/towns/north";
        checked.add(documented("put", BASE + "/towns/{town}", given().header("Authorization", "Bearer " + admin)
                .contentType(ContentType.JSON).body(body).put(town)));
        checked.add(documented("get", BASE + "/towns/{town}", given().header("Authorization", "Bearer " + admin).get(town)));
        checked.add(documented("get", BASE + "/towns/{town}", given().header("Authorization", "Bearer " + admin).get(town + "x")));
        given().header("Authorization", "Bearer " + admin).contentType(ContentType.JSON).body(body)
                .put("/v1/tenants/" + tenant + "/towns/south").then().statusCode(200);
        checked.add(documented("put", BASE + "/federations/{name}", given().header("Authorization", "Bearer " + admin)
                .contentType(ContentType.JSON).body(Map.of("towns", List.of("north", "south"))).put(fed)));
        body.put("remotesApiUrl", "file:///tmp/x");
        checked.add(documented("put", BASE + "/towns/{town}", given().header("Authorization", "Bearer " + admin)
                .contentType(ContentType.JSON).body(body).put(town)));
        sql.put("port", dev.meldtown.testkit.Ports.free());
        body.put("remotesApiUrl", t.remotesApiUrl().orElseThrow());
        given().header("Authorization", "Bearer " + admin).contentType(ContentType.JSON).body(body).put(town + "-ghost").then().statusCode(200);
        checked.add(documented("get", BASE + "/towns/{town}/peers",
                given().header("Authorization", "Bearer " + admin).get(town + "-ghost/peers")));
        // sync: 202 with async, 404 for an unknown peer
        checked.add(documented("post", BASE + "/towns/{town}/peers/{peer}/sync",
                given().header("Authorization", "Bearer " + admin).contentType(ContentType.JSON).body(Map.of("strategy", "ours"))
                        .post(town + "/peers/nobody/sync")));

        assertThat(checked).contains("put /federations/{name} 401", "put /federations/{name} 403", "put /federations/{name} 400",
                "put /federations/{name} 404", "put /federations/{name} 200", "put /towns/{town} 200", "put /towns/{town} 400", "get /towns/{town} 404",
                "get /towns/{town}/peers 503", "post /towns/{town}/peers/{peer}/sync 404");
    }

    /** Asserts that the response's status is documented for the operation; returns "method path status". */
    private String documented(String method, String path, Response response) {
        String status = String.valueOf(response.statusCode());
        JsonNode responses = doc.path("paths").path(path).path(method).path("responses");
        assertThat(responses.has(status)).as("%s %s answered %s (%s), documented: %s", method, path, status, response.asString(),
                iterable(responses.fieldNames())).isTrue();
        if (!status.startsWith("2")) {
            assertThat(response.contentType()).startsWith("application/problem+json");
        }
        return method + " " + path.substring(BASE.length()) + " " + status;
    }

    private static List<String> iterable(Iterator<String> it) {
        List<String> out = new ArrayList<>();
        it.forEachRemaining(out::add);
        return out;
    }

    private JsonNode ok(String method, String path) {
        JsonNode op = doc.path("paths").path(path).path(method);
        assertThat(op.isMissingNode()).as("%s %s in %s", method, path, iterable(doc.path("paths").fieldNames())).isFalse();
        return resolve(op.path("responses").path("200")).path("content").path("application/json").path("schema");
    }

    /** Follows a local {@code $ref}. */
    private JsonNode resolve(JsonNode node) {
        while (node.has("$ref")) {
            String ref = node.get("$ref").asText();
            assertThat(ref).startsWith("#/");
            node = doc.at(ref.substring(1));
        }
        return node;
    }

    /** OpenAPI 3.0 {@code nullable}, or 3.1 {@code type: [.., "null"]} / {@code anyOf|oneOf} with a null type. */
    private boolean nullable(JsonNode schema) {
        if (schema.path("nullable").asBoolean(false)) {
            return true;
        }
        JsonNode type = schema.path("type");
        if (type.isArray()) {
            for (JsonNode t : type) {
                if (t.asText().equals("null")) {
                    return true;
                }
            }
        }
        for (String combinator : List.of("anyOf", "oneOf")) {
            for (JsonNode option : schema.path(combinator)) {
                if (nullable(resolve(option)) || option.path("type").asText().equals("null")) {
                    return true;
                }
            }
        }
        return false;
    }
}
