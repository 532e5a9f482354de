package dev.meldtown.blockstore;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import dev.meldtown.testkit.Tokens;
import dev.meldtown.testkit.junit.LogSecretsScan;
import dev.meldtown.testkit.quarkus.KafkaTestResource;
import dev.meldtown.testkit.quarkus.S3TestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.specification.RequestSpecification;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every endpoint: 401 without a valid token, 403 for another tenant, 403 for too weak a role (contracts §2). */
@QuarkusTest
@ExtendWith(LogSecretsScan.class)
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
                new Endpoint("POST", DOC + "/replicas/hub/meld", "{\"source\":\"r\"}", "writer"),
                // issue 14: deletions are admin only; names of their own, so the sweep deletes nothing other rows use
                // (the tenant's deletion, which would end the sweep's tenant, is swept by DeletionTest)
                new Endpoint("DELETE", "/v1/tenants/acme/docs/gone", null, "admin"),
                new Endpoint("DELETE", "/v1/tenants/acme/docs/gone/replicas/r", null, "admin"),
                // issue 14: quotas; only a deployment operator sets them, any reader of the tenant sees its usage
                new Endpoint("PUT", "/v1/tenants/acme/quota", "{}", "operator"),
                new Endpoint("GET", "/v1/tenants/acme/usage", null, "reader"));
    }

    /**
     * The service verifies a bearer token once and serves it again while valid (service-support's VerifiedTokens, the
     * smallrye-jwt factory in use): the same token twice is one verification and one reuse; a fresh token is verified.
     */
    @Test
    void aTokenIsVerifiedOnceThenReused() {
        String token = Tokens.token("acme", "reader");
        double verified = tokens("verified");
        double reused = tokens("reused");
        for (int i = 0; i < 3; i++) {
            given().header("Authorization", "Bearer " + token).get("/v1/tenants/acme/usage").then().statusCode(200);
        }
        assertThat(tokens("verified") - verified).isEqualTo(1.0);
        assertThat(tokens("reused") - reused).isEqualTo(2.0);
        double refused = tokens("refused");
        given().header("Authorization", "Bearer " + token.substring(0, token.length() - 4) + "AAAA").get("/v1/tenants/acme/usage")
                .then().statusCode(401);
        assertThat(tokens("refused") - refused).isEqualTo(1.0);
    }

    private static double tokens(String outcome) {
        String prefix = "meldtown_jwt_tokens_total{outcome=\"" + outcome + "\"";
        return io.restassured.RestAssured.get("/q/metrics").asString().lines().filter(l -> l.startsWith(prefix))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
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
        List<String> weaker = switch (e.role()) {
            case "operator" -> List.of("reader", "writer", "admin");
            case "admin" -> List.of("reader", "writer");
            case "writer" -> List.of("reader");
            default -> List.of();
        };
        for (String role : weaker) {
            call(Fixtures.as("acme", role), e).then().statusCode(403);
        }
        call(given().header("Authorization", "Bearer " + Tokens.sign(Tokens.ISSUER, "acme", "[\"auditor\"]",
                System.currentTimeMillis() / 1000 + 600)), e).then().statusCode(403);
        int status = call(Fixtures.as("acme", e.role()), e).then().extract().statusCode();
        org.assertj.core.api.Assertions.assertThat(status).as(e.toString()).isNotIn(401, 403);
    }

    /**
     * An operator's token (issue 14) is valid for every tenant whatever its tenant claim: it gets past authorization
     * everywhere, and only it does for the operator's endpoints.
     */
    @ParameterizedTest
    @MethodSource("endpoints")
    void anOperatorTokenOfAnyTenantGetsPastAuth(Endpoint e) {
        int status = call(Fixtures.as("deployment-ops", "operator"), e).then().extract().statusCode();
        org.assertj.core.api.Assertions.assertThat(status).as(e.toString()).isNotIn(401, 403);
    }

    /** Claims of a token that is valid except where a test changes it (with every role, operator included). */
    private static String claims(String aud, long iat, long exp) {
        return "{\"iss\":\"" + Tokens.ISSUER + "\"," + (aud == null ? "" : "\"aud\":" + aud + ",")
                + "\"sub\":\"test\",\"upn\":\"test\",\"tenant\":\"acme\",\"groups\":[\"reader\",\"writer\",\"admin\",\"operator\"],"
                + "\"iat\":" + iat + ",\"exp\":" + exp + ",\"jti\":\"" + java.util.UUID.randomUUID() + "\"}";
    }

    @ParameterizedTest
    @MethodSource("endpoints")
    void aWrongOrMissingAudienceATooOldTokenAndAFutureIatAre401(Endpoint e) {
        long now = System.currentTimeMillis() / 1000;
        // the same claims with the required audience get past authentication: the refusals below are about one claim each
        String good = Tokens.signClaims(claims("\"meldtown\"", now, now + 600));
        org.assertj.core.api.Assertions.assertThat(call(given().header("Authorization", "Bearer " + good), e).then().extract().statusCode())
                .as(e.toString()).isNotIn(401, 403);
        java.util.Map<String, String> refused = new java.util.LinkedHashMap<>();
        refused.put("wrong audience", Tokens.signClaims(claims("\"another-service\"", now, now + 600)));
        refused.put("wrong audiences", Tokens.signClaims(claims("[\"a\",\"b\"]", now, now + 600)));
        refused.put("no audience", Tokens.signClaims(claims(null, now, now + 600)));
        // older than meldtown.jwt.max-age (24 h) although not expired
        refused.put("too old", Tokens.signClaims(claims("\"meldtown\"", now - 25 * 3600, now + 600)));
        // issued beyond the 60 s clock skew in the future
        refused.put("future iat", Tokens.signClaims(claims("\"meldtown\"", now + 600, now + 1200)));
        refused.forEach((why, token) -> {
            var response = call(given().header("Authorization", "Bearer " + token), e).then();
            response.statusCode(401);
            if (!e.method().equals("HEAD")) {
                response.contentType("application/problem+json").body("status", equalTo(401));
            }
        });
        // within the clock skew a slightly early iat is accepted
        String skewed = Tokens.signClaims(claims("\"meldtown\"", now + 30, now + 600));
        org.assertj.core.api.Assertions.assertThat(call(given().header("Authorization", "Bearer " + skewed), e).then().extract().statusCode())
                .as(e.toString()).isNotIn(401, 403);
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
