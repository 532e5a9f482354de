package dev.meldtown.sync;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meldtown.events.EventCodec;
import dev.meldtown.events.EventSchemas;
import dev.meldtown.events.EventType;
import dev.meldtown.events.Payloads;
import dev.meldtown.events.Topics;
import dev.meldtown.service.S3Config;
import dev.meldtown.testkit.EventsProbe;
import dev.meldtown.testkit.Ports;
import dev.meldtown.testkit.PromMetrics;
import dev.meldtown.testkit.junit.LogSecretsScan;
import dev.meldtown.testkit.quarkus.DoltTownsTestResource;
import dev.meldtown.testkit.quarkus.KafkaTestResource;
import dev.meldtown.testkit.quarkus.S3TestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.services.s3.S3Client;

/** contracts §2.2 over HTTP against real Dolt towns, real S3 and real Kafka. Every test uses its own tenant. */
@QuarkusTest
@ExtendWith(LogSecretsScan.class)
@QuarkusTestResource(value = KafkaTestResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = S3TestResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = DoltTownsTestResource.class, restrictToAnnotatedClass = true,
        initArgs = @ResourceArg(name = "towns", value = "north,south,east"))
class SyncApiTest {
    private static final AtomicInteger IDS = new AtomicInteger();
    private static final List<String> TOWNS = List.of("north", "south", "east");

    @Inject
    TownsConfig config;

    @Inject
    S3Client s3;

    @Inject
    S3Config s3Config;

    @Inject
    dev.meldtown.sync.service.FederationScheduler scheduler;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    @BeforeEach
    void align() throws SQLException {
        for (String t : TOWNS) {
            // Dolt 1.88.1's remotesapi takes pushes only from a global SuperUser.
            sql(t, "GRANT SUPER ON *.* TO 'fed'@'%'");
        }
        sql("north", "CALL DOLT_RESET('--hard')");
        String north = town("north").remotesApiUrl().orElseThrow();
        for (String t : List.of("south", "east")) {
            // the 'align' remote of south and east is north
            sql(t, "CALL DOLT_REMOTE('add', 'align', '" + north + "')", true);
            sql(t, "CALL DOLT_FETCH('--user', 'fed', 'align', 'main')");
            sql(t, "CALL DOLT_RESET('--hard', 'align/main')");
            assertThat(head(t)).as("%s aligned with north", t).isEqualTo(head("north"));
        }
    }

    @Test
    void townsArePersistedWithoutTheirPasswordAndPeersAreDoltRemotes() {
        String tenant = tenant();
        register(tenant, "north");
        register(tenant, "south");

        String password = town("north").password();
        String town = as(tenant).when().get(base(tenant) + "/towns/north").then().statusCode(200)
                .body("name", equalTo("north"))
                .body("sql.host", equalTo("127.0.0.1"))
                .body("sql.password", nullValue())
                .body("branch", equalTo("main"))
                .extract().asString();
        assertThat(town).doesNotContain(password);
        as(tenant).when().get(base(tenant) + "/towns").then().statusCode(200).body("name", hasSize(2));
        byte[] stored = s3.getObjectAsBytes(b -> b.bucket(s3Config.bucket()).key("sync/tenants/" + tenant + "/towns/north.json")).asByteArray();
        assertThat(new String(stored, StandardCharsets.UTF_8)).contains("passwordEncrypted").doesNotContain(password);

        String peer = "south-" + IDS.incrementAndGet();
        as(tenant).contentType(ContentType.JSON).body(Map.of("town", "south"))
                .when().put(base(tenant) + "/towns/north/peers/" + peer).then().statusCode(200)
                .body("url", equalTo(town("south").remotesApiUrl().orElseThrow()))
                .body("user", equalTo("fed"));
        as(tenant).when().get(base(tenant) + "/towns/north/peers").then().statusCode(200)
                .body("name", hasItem(peer));
        as(tenant).when().get(base(tenant) + "/towns/north/peers/" + peer + "/status").then().statusCode(200)
                .body("peer", equalTo(peer))
                .body("localAhead", nullValue())
                .body("localBehind", nullValue());
        as(tenant).when().delete(base(tenant) + "/towns/north/peers/" + peer).then().statusCode(204);
        as(tenant).when().get(base(tenant) + "/towns/north/peers").then().statusCode(200).body("name", not(hasItem(peer)));
        as(tenant).when().get(base(tenant) + "/towns/north/peers/" + peer + "/status").then().statusCode(404)
                .contentType("application/problem+json");

        as(tenant).when().delete(base(tenant) + "/towns/south").then().statusCode(204);
        as(tenant).when().get(base(tenant) + "/towns/south").then().statusCode(404);
    }

    @Test
    void deletingATenantRemovesItsTownsPeersCredentialsFederationsAndLedgerAndNothingElse() throws Exception {
        String tenant = tenant();
        String other = tenant();
        register(tenant, "north");
        register(tenant, "south");
        register(other, "north");
        as(tenant).contentType(ContentType.JSON).body(Map.of("town", "south"))
                .when().put(base(tenant) + "/towns/north/peers/south").then().statusCode(200);
        as(tenant).contentType(ContentType.JSON).body(Map.of("strategy", "theirs"))
                .when().post(base(tenant) + "/towns/north/peers/south/sync").then().statusCode(200);
        as(tenant).contentType(ContentType.JSON)
                .body(Map.of("towns", List.of("north", "south"), "topology", "mesh", "strategy", "manual", "intervalSeconds", 3600))
                .when().put(base(tenant) + "/federations/pair").then().statusCode(200);
        String prefix = "sync/tenants/" + tenant + "/";
        assertThat(keys(prefix)).anyMatch(k -> k.startsWith(prefix + "towns/")).anyMatch(k -> k.startsWith(prefix + "ledger/"))
                .anyMatch(k -> k.startsWith(prefix + "federations/"));
        List<String> others = keys("sync/tenants/" + other + "/");
        assertThat(others).isNotEmpty();

        // admin only, own tenant only
        given().when().delete(base(tenant)).then().statusCode(401).contentType("application/problem+json");
        given().header("Authorization", "Bearer " + dev.meldtown.testkit.Tokens.token(tenant, "writer"))
                .when().delete(base(tenant)).then().statusCode(403).contentType("application/problem+json");
        as(other).when().delete(base(tenant)).then().statusCode(403);
        as(tenant).when().delete(base("Bad_Tenant")).then().statusCode(400);

        as(tenant).when().delete(base(tenant)).then().statusCode(204);
        assertThat(keys(prefix)).as("the real bucket holds nothing of the tenant").isEmpty();
        as(tenant).when().get(base(tenant) + "/towns").then().statusCode(404).contentType("application/problem+json");
        as(tenant).when().get(base(tenant) + "/federations/pair").then().statusCode(404);
        as(tenant).when().get(base(tenant) + "/towns/north/peers/south/status").then().statusCode(404);
        // idempotent, and another tenant keeps all it had
        as(tenant).when().delete(base(tenant)).then().statusCode(204);
        assertThat(keys("sync/tenants/" + other + "/")).isEqualTo(others);
        as(other).when().get(base(other) + "/towns/north").then().statusCode(200);
        // the name can be used again: a new registration starts from nothing
        register(tenant, "north");
        as(tenant).when().get(base(tenant) + "/towns").then().statusCode(200).body("name", hasSize(1));
    }

    private List<String> keys(String prefix) {
        return s3.listObjectsV2Paginator(b -> b.bucket(s3Config.bucket()).prefix(prefix)).contents().stream().map(o -> o.key()).toList();
    }

    @Test
    void errorsAreProblemJson() {
        String tenant = tenant();
        as(tenant).when().get(base(tenant) + "/towns").then().statusCode(404).contentType("application/problem+json");
        as(tenant).when().get(base("Bad_Tenant") + "/towns").then().statusCode(400).contentType("application/problem+json")
                .body("status", equalTo(400));
        register(tenant, "north");
        as(tenant).when().get(base(tenant) + "/towns/nowhere").then().statusCode(404).contentType("application/problem+json");
        as(tenant).contentType(ContentType.JSON).body(Map.of("url", "http://h:1/db'--"))
                .when().put(base(tenant) + "/towns/north/peers/p1").then().statusCode(400);
        as(tenant).contentType(ContentType.JSON).body(Map.of("strategy", "lww"))
                .when().post(base(tenant) + "/towns/north/peers/nobody/sync").then().statusCode(400);
        as(tenant).contentType(ContentType.JSON).body(Map.of("strategy", "ours"))
                .when().post(base(tenant) + "/towns/north/peers/nobody/sync").then().statusCode(404)
                .contentType("application/problem+json");
        as(tenant).when().post(base(tenant) + "/towns/north/peers/nobody/fetch").then().statusCode(404);

        // a town whose SQL server does not answer
        var body = townBody("north");
        @SuppressWarnings("unchecked")
        var sqlPart = new HashMap<>((Map<String, Object>) body.get("sql"));
        sqlPart.put("port", Ports.free());
        body.put("sql", sqlPart);
        as(tenant).contentType(ContentType.JSON).body(body).when().put(base(tenant) + "/towns/ghost").then().statusCode(200);
        as(tenant).when().get(base(tenant) + "/towns/ghost/peers").then().statusCode(503)
                .contentType("application/problem+json")
                .body("category", equalTo("transport"));
        // the cause is in the log only, in the request's context (issue 15 item 3: trace, span, tenant and town on every line)
        assertThat(LogSecretsScan.capturedLines()).anyMatch(l -> l.contains("town SQL server failed")
                && l.contains("tenant=" + tenant) && l.contains("town=ghost") && l.matches("(?s).*traceId=[0-9a-f]{32}.*") && l.matches("(?s).*spanId=[0-9a-f]{16}.*"));
    }

    @Test
    void syncOverHttpMergesPushesAndPublishesTheResult() throws Exception {
        String tenant = tenant();
        register(tenant, "north");
        register(tenant, "south");
        as(tenant).contentType(ContentType.JSON).body(Map.of("town", "south"))
                .when().put(base(tenant) + "/towns/north/peers/south").then().statusCode(200);
        String id = "bd-api-" + IDS.incrementAndGet();
        sql("south", "INSERT INTO issues (id, title) VALUES ('" + id + "', 'made in south')");
        sql("south", "CALL DOLT_COMMIT('-Am', 'south adds')");
        String southHead = head("south");

        as(tenant).when().post(base(tenant) + "/towns/north/peers/south/fetch").then().statusCode(200)
                .body("fetched", equalTo(true)).body("merged", equalTo(false));
        as(tenant).when().get(base(tenant) + "/towns/north/peers/south/status").then().statusCode(200)
                .body("localAhead", equalTo(0)).body("localBehind", equalTo(1)).body("diverged", equalTo(false));

        var result = as(tenant).contentType(ContentType.JSON).body(Map.of("strategy", "theirs"))
                .when().post(base(tenant) + "/towns/north/peers/south/sync").then().statusCode(200)
                .body("tenant", equalTo(tenant))
                .body("town", equalTo("north"))
                .body("peer", equalTo("south"))
                .body("strategy", equalTo("theirs"))
                .body("error", nullValue())
                .body("pulledCommits", equalTo(1))
                .body("headAfter", equalTo(southHead))
                .extract().as(Payloads.SyncResult.class);
        assertThat(head("north")).isEqualTo(southHead);

        as(tenant).when().get(base(tenant) + "/towns/north/peers/south/status").then().statusCode(200)
                .body("localAhead", equalTo(0)).body("localBehind", equalTo(0))
                .body("lastSuccess", not(nullValue())).body("lastError", nullValue());

        Payloads.SyncCompleted event = awaitEvent(tenant, "north", e -> e.headAfter().equals(result.headAfter()));
        assertThat(event.pulledCommits()).isEqualTo(1);
        assertThat(event.requestId()).isNotBlank();

        var accepted = as(tenant).contentType(ContentType.JSON).body(Map.of("strategy", "manual"))
                .when().post(base(tenant) + "/towns/north/peers/south/sync?async=true").then().statusCode(202)
                .extract().jsonPath().getString("requestId");
        Payloads.SyncCompleted async = awaitEvent(tenant, "north", e -> e.requestId().equals(accepted));
        assertThat(async.error()).isNull();
        assertThat(async.strategy()).isEqualTo("manual");
    }

    /**
     * Issue 15 item 4: {@code meldtown_sync_*} on /q/metrics after real syncs against real towns: outcomes by
     * category, durations, pulled and pushed commits, lock waits, and each (town, peer)'s ahead and behind, which
     * go away with the tenant.
     */
    @Test
    void syncMetricsCountRealSyncsByOutcomeAndShowEachPairsStanding() throws Exception {
        String tenant = tenant();
        register(tenant, "north");
        register(tenant, "south");
        as(tenant).contentType(ContentType.JSON).body(Map.of("town", "south"))
                .when().put(base(tenant) + "/towns/north/peers/south").then().statusCode(200);
        for (int i = 0; i < 2; i++) {
            sql("south", "INSERT INTO issues (id, title) VALUES ('bd-metrics-" + IDS.incrementAndGet() + "', 'for metrics')");
            sql("south", "CALL DOLT_COMMIT('-Am', 'south adds')");
        }
        PromMetrics before = metrics();

        as(tenant).when().post(base(tenant) + "/towns/north/peers/south/fetch").then().statusCode(200).body("error", nullValue());
        PromMetrics fetched = metrics();
        assertThat(fetched.value("meldtown_sync_peer_behind", "tenant", tenant, "town", "north", "peer", "south")).isEqualTo(2);
        assertThat(fetched.value("meldtown_sync_peer_ahead", "tenant", tenant, "town", "north", "peer", "south")).isZero();
        assertThat(delta(before, fetched, "meldtown_sync_syncs_total", "operation", "fetch", "outcome", "ok", "category", "none"))
                .isEqualTo(1);

        as(tenant).contentType(ContentType.JSON).body(Map.of("strategy", "theirs"))
                .when().post(base(tenant) + "/towns/north/peers/south/sync").then().statusCode(200)
                .body("error", nullValue()).body("pulledCommits", equalTo(2));
        PromMetrics synced = metrics();
        assertThat(synced.value("meldtown_sync_peer_behind", "tenant", tenant, "town", "north", "peer", "south")).isZero();
        assertThat(delta(fetched, synced, "meldtown_sync_syncs_total", "operation", "sync", "outcome", "ok", "category", "none"))
                .isEqualTo(1);
        assertThat(delta(fetched, synced, "meldtown_sync_commits_total", "direction", "pulled")).isGreaterThanOrEqualTo(2);
        assertThat(delta(fetched, synced, "meldtown_sync_duration_seconds_count", "operation", "sync", "outcome", "ok")).isEqualTo(1);
        assertThat(delta(fetched, synced, "meldtown_sync_duration_seconds_sum", "operation", "sync", "outcome", "ok")).isGreaterThan(0);
        assertThat(delta(fetched, synced, "meldtown_sync_duration_seconds_bucket", "operation", "sync", "outcome", "ok", "le", "+Inf"))
                .isEqualTo(1);
        assertThat(delta(before, synced, "meldtown_sync_lock_wait_seconds_count", "outcome", "acquired")).isGreaterThanOrEqualTo(2);

        // a peer whose remotesapi nobody serves: one failed sync of category transport
        String ghost = "ghost" + IDS.incrementAndGet();
        Map<String, Object> body = townBody("south");
        body.put("remotesApiUrl", "http://127.0.0.1:" + Ports.free() + "/beads");
        as(tenant).contentType(ContentType.JSON).body(body).when().put(base(tenant) + "/towns/" + ghost).then().statusCode(200);
        as(tenant).contentType(ContentType.JSON).body(Map.of("town", ghost))
                .when().put(base(tenant) + "/towns/north/peers/" + ghost).then().statusCode(200);
        try {
            as(tenant).contentType(ContentType.JSON).body(Map.of("strategy", "theirs"))
                    .when().post(base(tenant) + "/towns/north/peers/" + ghost + "/sync").then().statusCode(200)
                    .body("error.category", equalTo("transport"));
        } finally {
            // the remote lives in north's Dolt database, which other tests share
            as(tenant).when().delete(base(tenant) + "/towns/north/peers/" + ghost).then().statusCode(204);
        }
        PromMetrics failed = metrics();
        assertThat(delta(synced, failed, "meldtown_sync_syncs_total", "operation", "sync", "outcome", "failed", "category", "transport"))
                .isEqualTo(1);
        assertThat(delta(synced, failed, "meldtown_sync_syncs_total", "operation", "sync", "outcome", "ok")).isZero();

        as(tenant).when().delete(base(tenant)).then().statusCode(204);
        assertThat(metrics().find("meldtown_sync_peer_behind", "tenant", tenant)).as("a deleted tenant's gauges are gone").isEmpty();
    }

    private static PromMetrics metrics() {
        return PromMetrics.parse(given().when().get("/q/metrics").then().statusCode(200).extract().asString());
    }

    private static double delta(PromMetrics before, PromMetrics after, String name, String... labels) {
        return after.sum(name, labels) - before.sum(name, labels);
    }

    @Test
    void aMeshFederationRoundConvergesAndEverySyncIsAnEvent() throws Exception {
        String tenant = tenant();
        List<String> ids = new ArrayList<>();
        for (String t : TOWNS) {
            register(tenant, t);
            String id = "bd-round-" + IDS.incrementAndGet();
            ids.add(id);
            sql(t, "INSERT INTO issues (id, title) VALUES ('" + id + "', 'made in " + t + "')");
            sql(t, "CALL DOLT_COMMIT('-Am', '" + t + " adds')");
        }
        as(tenant).contentType(ContentType.JSON)
                .body(Map.of("towns", TOWNS, "topology", "mesh", "strategy", "manual", "intervalSeconds", 3600))
                .when().put(base(tenant) + "/federations/fleet").then().statusCode(200).body("topology", equalTo("mesh"));
        as(tenant).contentType(ContentType.JSON).body(Map.of("towns", TOWNS, "topology", "hub:mars"))
                .when().put(base(tenant) + "/federations/bad").then().statusCode(400);

        // the list holds the federation as stored (the refused one is not there); a reader may list
        io.restassured.RestAssured.given().auth().oauth2(dev.meldtown.testkit.Tokens.token(tenant, "reader"))
                .when().get(base(tenant) + "/federations").then().statusCode(200)
                .body("name", contains("fleet")).body("[0].towns", equalTo(TOWNS)).body("[0].strategy", equalTo("manual"))
                .body("[0].intervalSeconds", equalTo(3600));
        as("no-such-tenant-" + IDS.incrementAndGet()).when().get(base("no-such-tenant-" + IDS.get()) + "/federations").then()
                .statusCode(404).contentType("application/problem+json");
        var results = as(tenant).when().post(base(tenant) + "/federations/fleet/sync").then().statusCode(200)
                .body("$", hasSize(6))
                .extract().jsonPath().getList("error");
        assertThat(results).containsOnlyNulls();
        // the federation shows its last round's results (issue 13)
        as(tenant).when().get(base(tenant) + "/federations/fleet").then().statusCode(200)
                .body("lastRound.scheduled", equalTo(false)).body("lastRound.results", hasSize(6))
                .body("lastRound.results.town", hasItem("east")).body("lastRound.startTime", not(nullValue()));
        as(tenant).when().get(base(tenant) + "/federations").then().statusCode(200).body("[0].lastRound.results", hasSize(6));
        assertThat(head("south")).isEqualTo(head("north"));
        assertThat(head("east")).isEqualTo(head("north"));
        for (String t : TOWNS) {
            for (String id : ids) {
                assertThat(count(t, id)).as("%s has %s", t, id).isEqualTo(1);
            }
        }
        for (String t : TOWNS) {
            awaitEvent(tenant, t, e -> true);
        }
    }

    @Test
    void syncRequestedEventsAreExecutedOnceEvenWhenRedelivered() throws Exception {
        String tenant = tenant();
        register(tenant, "north");
        register(tenant, "south");
        as(tenant).contentType(ContentType.JSON).body(Map.of("town", "south"))
                .when().put(base(tenant) + "/towns/north/peers/south").then().statusCode(200);
        String id = "bd-req-" + IDS.incrementAndGet();
        sql("south", "INSERT INTO issues (id, title) VALUES ('" + id + "', 'requested')");
        sql("south", "CALL DOLT_COMMIT('-Am', 'south adds')");
        String southHead = head("south");

        String requestId = "req-" + UUID.randomUUID();
        byte[] request = EventCodec.encode(EventType.SYNC_REQUESTED, "north",
                new Payloads.SyncRequested(tenant, "north", "south", "theirs", requestId));
        try (var producer = new KafkaProducer<>(Map.<String, Object>of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap),
                new StringSerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(Topics.SYNCS, Topics.key(tenant, "north"), request)).get();
            producer.send(new ProducerRecord<>(Topics.SYNCS, Topics.key(tenant, "north"), request)).get();
        }
        var completed = awaitEvent(tenant, "north", e -> e.requestId().equals(requestId));
        assertThat(completed.error()).isNull();
        assertThat(completed.strategy()).isEqualTo("theirs");
        assertThat(completed.pulledCommits()).isEqualTo(1);
        assertThat(head("north")).isEqualTo(southHead);
        assertThat(count("north", id)).isEqualTo(1);
        assertThat(countEvents(tenant, "north", e -> e.requestId().equals(requestId), Duration.ofSeconds(6))).isEqualTo(1);
    }

    @Test
    void aScheduledFederationSyncsByItself() throws Exception {
        String tenant = tenant();
        register(tenant, "north");
        register(tenant, "south");
        String id = "bd-sched-" + IDS.incrementAndGet();
        sql("south", "INSERT INTO issues (id, title) VALUES ('" + id + "', 'scheduled')");
        sql("south", "CALL DOLT_COMMIT('-Am', 'south adds')");
        as(tenant).contentType(ContentType.JSON)
                .body(Map.of("towns", List.of("north", "south"), "topology", "hub:north", "strategy", "theirs", "intervalSeconds", 1))
                .when().put(base(tenant) + "/federations/every-second").then().statusCode(200);
        try {
            var event = awaitEvent(tenant, "south", e -> e.error() == null && e.pushedCommits() == 1);
            assertThat(event.peer()).isEqualTo("north");
            // the scheduled round is the federation's last round (written once the round ends)
            long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (as(tenant).when().get(base(tenant) + "/federations/every-second").then().statusCode(200)
                    .extract().jsonPath().get("lastRound") == null && System.nanoTime() < until) {
                Thread.sleep(200);
            }
            as(tenant).when().get(base(tenant) + "/federations/every-second").then().statusCode(200)
                    .body("lastRound.scheduled", equalTo(true)).body("lastRound.results.town", hasItem("south"));
            // the round was claimed in S3 (one claim object per round) by this instance before it ran
            String prefix = dev.meldtown.sync.service.FederationScheduler.claimsPrefix(tenant, "every-second");
            var claims = s3.listObjectsV2(b -> b.bucket(s3Config.bucket()).prefix(prefix)).contents();
            assertThat(claims).isNotEmpty();
            for (var claim : claims) {
                String json = s3.getObjectAsBytes(b -> b.bucket(s3Config.bucket()).key(claim.key())).asUtf8String();
                assertThat(json).contains("\"owner\":\"" + scheduler.instanceId() + "\"");
            }
        } finally {
            as(tenant).when().delete(base(tenant) + "/federations/every-second").then().statusCode(204);
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (!scheduler.idle() && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
        }
        as(tenant).when().get(base(tenant) + "/federations/every-second").then().statusCode(404);
        assertThat(scheduler.idle()).isTrue();
        assertThat(head("north")).isEqualTo(head("south"));
        assertThat(count("north", id)).isEqualTo(1);
    }

    /**
     * A pair of a scheduled federation whose peer cannot be reached is retried with exponential backoff: after its
     * n-th failure in a row it is skipped for interval × 2^n (the federation's interval is 1 s here), and each
     * attempt is one failed sync.completed.
     */
    @Test
    void aFailingPeerOfAScheduledFederationBacksOffExponentially() throws Exception {
        String tenant = tenant();
        register(tenant, "north");
        String ghost = "ghost" + IDS.incrementAndGet();
        Map<String, Object> body = townBody("south"); // a real SQL server...
        body.put("remotesApiUrl", "http://127.0.0.1:" + Ports.free() + "/beads"); // ...whose remotesapi nobody serves
        as(tenant).contentType(ContentType.JSON).body(body).when().put(base(tenant) + "/towns/" + ghost).then().statusCode(200);
        // hub topology: the only pair is north syncing with its peer ghost
        as(tenant).contentType(ContentType.JSON)
                .body(Map.of("towns", List.of("north", ghost), "topology", "hub:" + ghost, "strategy", "theirs", "intervalSeconds", 1))
                .when().put(base(tenant) + "/federations/flaky").then().statusCode(200);
        String key = tenant + "/north/" + ghost;
        List<dev.meldtown.sync.service.FederationScheduler.Backoff> seen = new ArrayList<>();
        PromMetrics before = metrics();
        double gaugeWhileBackingOff = 0;
        try {
            long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            while (seen.size() < 3 && System.nanoTime() < deadline) {
                var b = scheduler.backoffs().get(key);
                if (b != null && (seen.isEmpty() || b.failures() != seen.get(seen.size() - 1).failures())) {
                    seen.add(b);
                    if (java.time.Instant.now().plusMillis(500).isBefore(b.until())) { // scraped well inside the wait
                        gaugeWhileBackingOff = Math.max(gaugeWhileBackingOff, metrics().value("meldtown_sync_scheduler_backoff_pairs"));
                    }
                }
                Thread.sleep(50);
            }
        } finally {
            as(tenant).when().delete(base(tenant) + "/federations/flaky").then().statusCode(204);
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (!scheduler.idle() && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            // the remote lives in north's Dolt database, which other tests share
            as(tenant).when().delete(base(tenant) + "/towns/north/peers/" + ghost).then().statusCode(204);
        }
        assertThat(seen).extracting(dev.meldtown.sync.service.FederationScheduler.Backoff::failures).containsExactly(1, 2, 3);
        // the scheduler's metrics saw the same: the pair in the backoff gauge while it waited, failed rounds, and skipped
        // pairs while backing off
        assertThat(gaugeWhileBackingOff).as("meldtown_sync_scheduler_backoff_pairs while the pair waited").isGreaterThanOrEqualTo(1);
        PromMetrics after = metrics();
        assertThat(delta(before, after, "meldtown_sync_scheduler_rounds_total", "outcome", "failed")).isGreaterThanOrEqualTo(2);
        assertThat(delta(before, after, "meldtown_sync_scheduler_backoff_skips_total")).isGreaterThanOrEqualTo(1);
        for (int i = 1; i < seen.size(); i++) {
            // the next attempt came only after the previous wait, and was followed by a wait twice as long
            Duration gap = Duration.between(seen.get(i - 1).until(), seen.get(i).until());
            assertThat(gap).as("wait after failure %d", seen.get(i).failures())
                    .isGreaterThanOrEqualTo(Duration.ofSeconds(1L << seen.get(i).failures()));
        }
        long failed = countEvents(tenant, "north", e -> ghost.equals(e.peer()) && e.error() != null
                && "transport".equals(e.error().category()), Duration.ofSeconds(3));
        assertThat(failed).as("one failed sync.completed per attempt").isEqualTo(3);
    }

    @Test
    void everyEmittedSyncCompletedConformsToItsJsonSchema() throws Exception {
        String tenant = tenant();
        register(tenant, "north");
        register(tenant, "south");
        as(tenant).contentType(ContentType.JSON).body(Map.of("town", "south"))
                .when().put(base(tenant) + "/towns/north/peers/south").then().statusCode(200);
        as(tenant).contentType(ContentType.JSON)
                .body(Map.of("url", "http://127.0.0.1:" + Ports.free() + "/beads", "user", "fed"))
                .when().put(base(tenant) + "/towns/north/peers/ghost").then().statusCode(200);

        // a clean sync, a conflict reported with base/ours/theirs (manual), and a transport failure
        String clean = "bd-schema-" + IDS.incrementAndGet();
        sql("south", "INSERT INTO issues (id, title) VALUES ('" + clean + "', 'from south')");
        sql("south", "CALL DOLT_COMMIT('-Am', 'south adds')");
        as(tenant).contentType(ContentType.JSON).body(Map.of("strategy", "theirs"))
                .when().post(base(tenant) + "/towns/north/peers/south/sync").then().statusCode(200).body("error", nullValue());
        String contested = "bd-schema-" + IDS.incrementAndGet();
        sql("north", "INSERT INTO issues (id, title) VALUES ('" + contested + "', 'north says')");
        sql("north", "CALL DOLT_COMMIT('-Am', 'north claims')");
        sql("south", "INSERT INTO issues (id, title) VALUES ('" + contested + "', 'south says')");
        sql("south", "CALL DOLT_COMMIT('-Am', 'south claims')");
        as(tenant).contentType(ContentType.JSON).body(Map.of("strategy", "manual"))
                .when().post(base(tenant) + "/towns/north/peers/south/sync").then().statusCode(200)
                .body("error.category", equalTo("conflict")).body("conflicts", hasSize(1));
        as(tenant).contentType(ContentType.JSON).body(Map.of("strategy", "ours"))
                .when().post(base(tenant) + "/towns/north/peers/ghost/sync").then().statusCode(200)
                .body("error.category", equalTo("transport"));

        List<JsonNode> events = rawEvents(tenant, "north", 3);
        assertThat(events).hasSize(3);
        for (JsonNode data : events) {
            assertThat(EventSchemas.validate(EventType.SYNC_COMPLETED, data)).as("%s", data).isEmpty();
        }
        assertThat(events).extracting(d -> d.path("error").path("category").asText(null))
                .containsExactlyInAnyOrder(null, "conflict", "transport");
        JsonNode conflict = events.stream().filter(d -> d.path("conflicts").size() == 1).findFirst().orElseThrow();
        assertThat(conflict.at("/conflicts/0/ours/title").asText()).isEqualTo("north says");
        assertThat(conflict.at("/conflicts/0/theirs/title").asText()).isEqualTo("south says");

        // the check is not vacuous: the same data with an off-contract field is rejected
        ObjectNode broken = events.get(0).deepCopy();
        broken.put("pulledCommits", -1);
        broken.put("strategy", "lww");
        assertThat(EventSchemas.validate(EventType.SYNC_COMPLETED, broken)).hasSizeGreaterThanOrEqualTo(2);
    }

    // ------------------------------------------------------------------ helpers

    /** The raw {@code data} of the first {@code n} sync.completed events keyed {@code tenant/town}, in topic order. */
    private List<JsonNode> rawEvents(String tenant, String town, int n) throws Exception {
        return syncEvents(tenant, town, s -> true, n, Duration.ofSeconds(60)).stream().map(EventsProbe.Seen::data).toList();
    }

    /** How many matching sync.completed events keyed {@code tenant/town} the topic holds after {@code during}. */
    private long countEvents(String tenant, String town, java.util.function.Predicate<Payloads.SyncCompleted> match, Duration during)
            throws Exception {
        return syncEvents(tenant, town, s -> match.test(completed(s)), Integer.MAX_VALUE, during).size();
    }

    private Payloads.SyncCompleted awaitEvent(String tenant, String town, java.util.function.Predicate<Payloads.SyncCompleted> match)
            throws Exception {
        List<EventsProbe.Seen> seen = syncEvents(tenant, town, s -> {
            assertThat(s.event().getSubject()).isEqualTo(town);
            return match.test(completed(s));
        }, 1, Duration.ofSeconds(60));
        if (seen.isEmpty()) {
            throw new AssertionError("no sync.completed for " + tenant + "/" + town + " on " + Topics.SYNCS);
        }
        return completed(seen.get(0));
    }

    /** Up to {@code max} sync.completed events keyed {@code tenant/town} that {@code match}, read back within {@code timeout}. */
    private List<EventsProbe.Seen> syncEvents(String tenant, String town, java.util.function.Predicate<EventsProbe.Seen> match, int max,
                                              Duration timeout) throws Exception {
        return EventsProbe.await(bootstrap, Topics.SYNCS, s -> Topics.key(tenant, town).equals(s.key())
                && EventType.SYNC_COMPLETED.type().equals(s.type()) && match.test(s), max, timeout);
    }

    private static Payloads.SyncCompleted completed(EventsProbe.Seen s) {
        return EventCodec.data(s.event(), Payloads.SyncCompleted.class);
    }

    private static String tenant() {
        return SyncFixtures.tenant("t");
    }

    private static RequestSpecification as(String tenant) {
        return SyncFixtures.as(tenant);
    }

    private static String base(String tenant) {
        return SyncFixtures.base(tenant);
    }

    private TownsConfig.Town town(String name) {
        return config.towns().get(name);
    }

    private Map<String, Object> townBody(String name) {
        return SyncFixtures.townBody(town(name));
    }

    private void register(String tenant, String name) {
        SyncFixtures.register(config, tenant, name);
    }

    private void sql(String town, String sql) throws SQLException {
        sql(town, sql, false);
    }

    private void sql(String town, String sql, boolean tolerateExisting) throws SQLException {
        try (Connection c = TownReadinessChecks.connect(town(town)); Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            if (!tolerateExisting || !String.valueOf(e.getMessage()).contains("already exists")) {
                throw e;
            }
        }
    }

    private String head(String town) throws SQLException {
        try (Connection c = TownReadinessChecks.connect(town(town)); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT DOLT_HASHOF('main')")) {
            rs.next();
            return rs.getString(1);
        }
    }

    private long count(String town, String id) throws SQLException {
        try (Connection c = TownReadinessChecks.connect(town(town));
             PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM issues WHERE id = ?")) {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }
}
