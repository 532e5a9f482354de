package dev.meldtown.sync;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import dev.meldtown.testkit.Tokens;
import dev.meldtown.testkit.junit.LogSecretsScan;
import dev.meldtown.testkit.quarkus.DoltTownsTestResource;
import dev.meldtown.testkit.quarkus.KafkaTestResource;
import dev.meldtown.testkit.quarkus.S3TestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Contracts §2 on every sync-orchestrator endpoint: 401 without a valid token, 403 for another tenant, 403 for too
 * weak a role, all problem+json; the weakest sufficient role gets past authorization. (Same test resources as
 * SyncApiTest, so both run against one application instance.)
 */
@QuarkusTest
@ExtendWith(LogSecretsScan.class)
@QuarkusTestResource(value = KafkaTestResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = S3TestResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = DoltTownsTestResource.class, restrictToAnnotatedClass = true,
        initArgs = @ResourceArg(name = "towns", value = "north,south,east"))
class AuthTest {
    static final String BASE = "/v1/tenants/acme";
    static final String TOWN_BODY = "{\"sql\":{\"host\":\"127.0.0.1\",\"port\":1,\"user\":\"u\",\"password\":\"p\"},"
            + "\"remotesApiUrl\":\"http://127.0.0.1:1/beads\"}";

    record Endpoint(String method, String path, String body, String role) {
        @Override
        public String toString() {
            return method + " " + path + " (" + role + ")";
        }
    }

    static Stream<Endpoint> endpoints() {
        return Stream.of(
                new Endpoint("PUT", BASE + "/towns/north", TOWN_BODY, "admin"),
                new Endpoint("GET", BASE + "/towns", null, "reader"),
                new Endpoint("GET", BASE + "/towns/north", null, "reader"),
                new Endpoint("DELETE", BASE + "/towns/north", null, "admin"),
                new Endpoint("DELETE", BASE, null, "admin"),
                new Endpoint("PUT", BASE + "/towns/north/peers/south", "{\"town\":\"south\"}", "admin"),
                new Endpoint("GET", BASE + "/towns/north/peers", null, "reader"),
                new Endpoint("DELETE", BASE + "/towns/north/peers/south", null, "admin"),
                new Endpoint("POST", BASE + "/towns/north/peers/south/fetch", null, "writer"),
                new Endpoint("POST", BASE + "/towns/north/peers/south/pull", "{\"strategy\":\"ours\"}", "writer"),
                new Endpoint("POST", BASE + "/towns/north/peers/south/push", null, "writer"),
                new Endpoint("POST", BASE + "/towns/north/peers/south/sync", "{\"strategy\":\"ours\"}", "writer"),
                new Endpoint("POST", BASE + "/towns/north/peers/south/sync?async=true", "{\"strategy\":\"ours\"}", "writer"),
                new Endpoint("GET", BASE + "/towns/north/peers/south/status", null, "reader"),
                new Endpoint("GET", BASE + "/towns/north/peers/south/syncs?limit=5", null, "reader"),
                new Endpoint("GET", BASE + "/towns/north/peers/south/conflicts", null, "reader"),
                new Endpoint("POST", BASE + "/towns/north/peers/south/resolve",
                        "{\"rows\":[{\"table\":\"issues\",\"key\":{\"id\":\"bd-1\"},\"take\":\"ours\"}]}", "writer"),
                new Endpoint("PUT", BASE + "/federations/fleet", "{\"towns\":[\"north\",\"south\"]}", "admin"),
                new Endpoint("GET", BASE + "/federations/fleet", null, "reader"),
                new Endpoint("DELETE", BASE + "/federations/fleet", null, "admin"),
                new Endpoint("POST", BASE + "/federations/fleet/sync", null, "writer"));
    }

    @ParameterizedTest
    @MethodSource("endpoints")
    void missingExpiredOrForgedTokensAre401(Endpoint e) {
        problem(call(given(), e), 401);
        problem(call(given().header("Authorization", "Bearer not.a.jwt"), e), 401);
        String expired = Tokens.sign(Tokens.ISSUER, "acme", "[\"admin\"]", System.currentTimeMillis() / 1000 - 600);
        problem(call(bearer(expired), e), 401);
        String foreignIssuer = Tokens.sign("https://evil.example", "acme", "[\"admin\"]", System.currentTimeMillis() / 1000 + 600);
        problem(call(bearer(foreignIssuer), e), 401);
    }

    @ParameterizedTest
    @MethodSource("endpoints")
    void aTokenForAnotherTenantIs403(Endpoint e) {
        problem(call(bearer(Tokens.token("globex", "admin")), e), 403);
    }

    @ParameterizedTest
    @MethodSource("endpoints")
    void tooWeakARoleIs403AndTheWeakestSufficientRoleGetsPastAuth(Endpoint e) {
        List<String> weaker = switch (e.role()) {
            case "admin" -> List.of("reader", "writer");
            case "writer" -> List.of("reader");
            default -> List.of();
        };
        for (String role : weaker) {
            problem(call(bearer(Tokens.token("acme", role)), e), 403);
        }
        String noMeldtownRole = Tokens.sign(Tokens.ISSUER, "acme", "[\"auditor\"]", System.currentTimeMillis() / 1000 + 600);
        problem(call(bearer(noMeldtownRole), e), 403);
        int status = call(bearer(Tokens.token("acme", e.role())), e).then().extract().statusCode();
        assertThat(status).as(e.toString()).isNotIn(401, 403);
    }

    @Test
    void anInvalidTenantNameIs400BeforeAuthAndOtherNamesAreCheckedAfterIt() {
        problem(call(given(), new Endpoint("GET", "/v1/tenants/Bad_Tenant/towns", null, "reader")), 400);
        problem(call(given(), new Endpoint("GET", BASE + "/towns/Bad_Town", null, "reader")), 401);
        problem(call(bearer(Tokens.token("acme", "reader")), new Endpoint("GET", BASE + "/towns/Bad_Town", null, "reader")), 400);
    }

    private static RequestSpecification bearer(String token) {
        return given().header("Authorization", "Bearer " + token);
    }

    private static void problem(Response response, int status) {
        response.then().statusCode(status).contentType("application/problem+json").body("status", equalTo(status));
    }

    private static Response call(RequestSpecification spec, Endpoint e) {
        if (e.body() != null) {
            spec = spec.contentType("application/json").body(e.body());
        }
        return spec.request(e.method(), e.path());
    }
}
