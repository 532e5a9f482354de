package dev.meldtown.sync;

import static io.restassured.RestAssured.given;

import dev.meldtown.testkit.Tokens;
import io.restassured.specification.RequestSpecification;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

/** What the sync-orchestrator API tests share: fresh tenants, admin requests, and town registration bodies. */
final class SyncFixtures {
    private static final AtomicInteger IDS = new AtomicInteger();

    private SyncFixtures() {
    }

    /** A tenant no other test uses, named {@code <prefix><n>-<random>}. */
    static String tenant(String prefix) {
        return prefix + IDS.incrementAndGet() + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** A request with an admin token for {@code tenant} (contracts §2; AuthTest covers the role matrix). */
    static RequestSpecification as(String tenant) {
        return given().header("Authorization", "Bearer " + Tokens.token(tenant, "admin"));
    }

    static String base(String tenant) {
        return "/v1/tenants/" + tenant;
    }

    /** Registers the configured test town {@code name} for {@code tenant} (200, as stored). */
    static void register(TownsConfig config, String tenant, String name) {
        as(tenant).contentType(io.restassured.http.ContentType.JSON).body(townBody(config.towns().get(name)))
                .when().put(base(tenant) + "/towns/" + name).then().statusCode(200)
                .body("name", org.hamcrest.Matchers.equalTo(name));
    }

    /** The {@code PUT /towns/{town}} body that registers a configured test town. */
    static Map<String, Object> townBody(TownsConfig.Town t) {
        Map<String, Object> sqlPart = new HashMap<>(Map.of("host", t.host(), "port", t.port(), "database", t.database(),
                "user", t.user(), "password", t.password()));
        Map<String, Object> body = new HashMap<>();
        body.put("sql", sqlPart);
        body.put("remotesApiUrl", t.remotesApiUrl().orElseThrow());
        body.put("branch", "main");
        body.put("remoteUser", t.remoteUser().orElseThrow());
        return body;
    }
}
