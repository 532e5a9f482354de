package dev.meldtown.blockstore;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import dev.meldtown.testkit.Tokens;
import dev.meldtown.testkit.quarkus.KafkaTestResource;
import dev.meldtown.testkit.quarkus.S3TestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.specification.RequestSpecification;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every endpoint: 401 without a valid token, 403 for another tenant, 403 for too weak a role (contracts §2). */
@QuarkusTest
@QuarkusTestResource(value = KafkaTestResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = S3TestResource.class, restrictToAnnotatedClass = true)
class AuthTest {
    static final String HASH = "0".repeat(64);
    static final String DOC = "/v1/tenants/acme/docs/todo";

    record Endpoint(String method, String path, String body, String role) {
        @Override
        public String toString() {
            return method + " " + path;
        }
    }

    static Stream<Endpoint> endpoints() {
        return Stream.of(
                new Endpoint("PUT", DOC, "{\"compression\":\"none\"}", "writer"),
                new Endpoint("GET", DOC, null, "reader"),
                new Endpoint("PUT", DOC + "/replicas/r/files/" + HASH + ".pack", "[]", "writer"),
                new Endpoint("GET", DOC + "/replicas/r/files/" + HASH + ".pack", null, "reader"),
                new Endpoint("HEAD", DOC + "/replicas/r/files/" + HASH + ".pack", null, "reader"),
                new Endpoint("GET", DOC + "/replicas/r/files?suffix=.delta", null, "reader"),
                new Endpoint("POST", DOC + "/replicas/r/commits", "{\"document\":{\"a\":1}}", "writer"),
                new Endpoint("GET", DOC + "/replicas/r/document", null, "reader"),
                new Endpoint("GET", DOC + "/replicas/r/log", null, "reader"),
                new Endpoint("GET", DOC + "/replicas/r/conflicts", null, "reader"),
                new Endpoint("GET", DOC + "/replicas/r/objects/a/history", null, "reader"),
                new Endpoint("GET", DOC + "/replicas/r/objects/a/value", null, "reader"),
                new Endpoint("POST", DOC + "/replicas/r/resolve", "{}", "writer"),
                new Endpoint("POST", DOC + "/replicas/hub/meld", "{\"source\":\"r\"}", "writer"));
    }

    @ParameterizedTest
    @MethodSource("endpoints")
    void missingExpiredOrForgedTokensAre401(Endpoint e) {
        call(given(), e).then().statusCode(401);
        call(given().header("Authorization", "Bearer not.a.jwt"), e).then().statusCode(401);
        String expired = Tokens.sign(Tokens.ISSUER, "acme", "[\"admin\"]", System.currentTimeMillis() / 1000 - 600);
        call(given().header("Authorization", "Bearer " + expired), e).then().statusCode(401);
        String foreignIssuer = Tokens.sign("https://evil.example", "acme", "[\"admin\"]", System.currentTimeMillis() / 1000 + 600);
        call(given().header("Authorization", "Bearer " + foreignIssuer), e).then().statusCode(401);
        if (!e.method().equals("HEAD")) {
            call(given(), e).then().contentType("application/problem+json").body("status", equalTo(401));
        }
    }

    @ParameterizedTest
    @MethodSource("endpoints")
    void aTokenForAnotherTenantIs403(Endpoint e) {
        call(Fixtures.as("globex", "admin"), e).then().statusCode(403);
        if (!e.method().equals("HEAD")) {
            call(Fixtures.as("globex", "admin"), e).then().contentType("application/problem+json").body("status", equalTo(403));
        }
    }

    @ParameterizedTest
    @MethodSource("endpoints")
    void tooWeakARoleIs403AndTheRightRoleGetsPastAuth(Endpoint e) {
        List<String> weaker = e.role().equals("writer") ? List.of("reader") : List.of();
        for (String role : weaker) {
            call(Fixtures.as("acme", role), e).then().statusCode(403);
        }
        call(given().header("Authorization", "Bearer " + Tokens.sign(Tokens.ISSUER, "acme", "[\"auditor\"]",
                System.currentTimeMillis() / 1000 + 600)), e).then().statusCode(403);
        int status = call(Fixtures.as("acme", e.role()), e).then().extract().statusCode();
        org.assertj.core.api.Assertions.assertThat(status).as(e.toString()).isNotIn(401, 403);
    }

    private static io.restassured.response.Response call(RequestSpecification spec, Endpoint e) {
        if (e.body() != null) {
            spec = e.path().contains("/files/")
                    ? spec.contentType("application/octet-stream").body(e.body().getBytes(java.nio.charset.StandardCharsets.UTF_8))
                    : spec.contentType("application/json").body(e.body());
        }
        return spec.request(e.method(), e.path());
    }
}
