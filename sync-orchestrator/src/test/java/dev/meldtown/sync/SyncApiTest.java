package dev.meldtown.sync;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;

import dev.meldtown.events.EventCodec;
import dev.meldtown.events.Payloads;
import dev.meldtown.events.Topics;
import dev.meldtown.service.S3Config;
import dev.meldtown.testkit.Ports;
import dev.meldtown.testkit.quarkus.DoltTownsTestResource;
import dev.meldtown.testkit.quarkus.KafkaTestResource;
import dev.meldtown.testkit.quarkus.S3TestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
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
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;

/** contracts §2.2 over HTTP against real Dolt towns, real S3 and real Kafka. Every test uses its own tenant. */
@QuarkusTest
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

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    @BeforeEach
    void align() throws SQLException {
        for (String t : TOWNS) {
            // Dolt 1.88.1's remotesapi takes pushes only from a global SuperUser.
            sql(t, "GRANT SUPER ON *.* TO 'fed'@'%'");
        }
        sql("north", "CALL DOLT_RESET('--hard')");
        for (String t : List.of("south", "east")) {
            sql(t, "CALL DOLT_REMOTE('add', 'align', '" + town(t).remotesApiUrl().orElseThrow() + "')".replace(
                    town(t).remotesApiUrl().orElseThrow(), town("north").remotesApiUrl().orElseThrow()), true);
            sql(t, "CALL DOLT_FETCH('--user', 'fed', 'align')");
            sql(t, "CALL DOLT_RESET('--hard', 'align/main')");
        }
    }

    @Test
    void townsArePersistedWithoutTheirPasswordAndPeersAreDoltRemotes() {
        String tenant = tenant();
        register(tenant, "north");
        register(tenant, "south");

        String password = town("north").password();
        String town = given().when().get(base(tenant) + "/towns/north").then().statusCode(200)
                .body("name", equalTo("north"))
                .body("sql.host", equalTo("127.0.0.1"))
                .body("sql.password", nullValue())
                .body("branch", equalTo("main"))
                .extract().asString();
        assertThat(town).doesNotContain(password);
        given().when().get(base(tenant) + "/towns").then().statusCode(200).body("name", hasSize(2));
        byte[] stored = s3.getObjectAsBytes(b -> b.bucket(s3Config.bucket()).key("sync/tenants/" + tenant + "/towns/north.json")).asByteArray();
        assertThat(new String(stored, StandardCharsets.UTF_8)).contains("passwordEncrypted").doesNotContain(password);

        String peer = "south-" + IDS.incrementAndGet();
        given().contentType(ContentType.JSON).body(Map.of("town", "south"))
                .when().put(base(tenant) + "/towns/north/peers/" + peer).then().statusCode(200)
                .body("url", equalTo(town("south").remotesApiUrl().orElseThrow()))
                .body("user", equalTo("fed"));
        given().when().get(base(tenant) + "/towns/north/peers").then().statusCode(200)
                .body("name", hasItem(peer));
        given().when().get(base(tenant) + "/towns/north/peers/" + peer + "/status").then().statusCode(200)
                .body("peer", equalTo(peer))
                .body("localAhead", nullValue())
                .body("localBehind", nullValue());
        given().when().delete(base(tenant) + "/towns/north/peers/" + peer).then().statusCode(204);
        given().when().get(base(tenant) + "/towns/north/peers").then().statusCode(200).body("name", not(hasItem(peer)));
        given().when().get(base(tenant) + "/towns/north/peers/" + peer + "/status").then().statusCode(404)
                .contentType("application/problem+json");

        given().when().delete(base(tenant) + "/towns/south").then().statusCode(204);
        given().when().get(base(tenant) + "/towns/south").then().statusCode(404);
    }

    @Test
    void errorsAreProblemJson() {
        String tenant = tenant();
        given().when().get(base(tenant) + "/towns").then().statusCode(404).contentType("application/problem+json");
        given().when().get(base("Bad_Tenant") + "/towns").then().statusCode(400).contentType("application/problem+json")
                .body("status", equalTo(400));
        register(tenant, "north");
        given().when().get(base(tenant) + "/towns/nowhere").then().statusCode(404).contentType("application/problem+json");
        given().contentType(ContentType.JSON).body(Map.of("url", "http://h:1/db'--"))
                .when().put(base(tenant) + "/towns/north/peers/p1").then().statusCode(400);
        given().contentType(ContentType.JSON).body(Map.of("strategy", "lww"))
                .when().post(base(tenant) + "/towns/north/peers/nobody/sync").then().statusCode(400);
        given().contentType(ContentType.JSON).body(Map.of("strategy", "ours"))
                .when().post(base(tenant) + "/towns/north/peers/nobody/sync").then().statusCode(404)
                .contentType("application/problem+json");
        given().when().post(base(tenant) + "/towns/north/peers/nobody/fetch").then().statusCode(404);

        // a town whose SQL server does not answer
        var body = townBody("north");
        @SuppressWarnings("unchecked")
        var sqlPart = new HashMap<>((Map<String, Object>) body.get("sql"));
        sqlPart.put("port", Ports.free());
        body.put("sql", sqlPart);
        given().contentType(ContentType.JSON).body(body).when().put(base(tenant) + "/towns/ghost").then().statusCode(200);
        given().when().get(base(tenant) + "/towns/ghost/peers").then().statusCode(503)
                .contentType("application/problem+json")
                .body("category", equalTo("transport"));
    }

    @Test
    void syncOverHttpMergesPushesAndPublishesTheResult() throws Exception {
        String tenant = tenant();
        register(tenant, "north");
        register(tenant, "south");
        given().contentType(ContentType.JSON).body(Map.of("town", "south"))
                .when().put(base(tenant) + "/towns/north/peers/south").then().statusCode(200);
        String id = "bd-api-" + IDS.incrementAndGet();
        sql("south", "INSERT INTO issues (id, title) VALUES ('" + id + "', 'made in south')");
        sql("south", "CALL DOLT_COMMIT('-Am', 'south adds')");
        String southHead = head("south");

        given().when().post(base(tenant) + "/towns/north/peers/south/fetch").then().statusCode(200)
                .body("fetched", equalTo(true)).body("merged", equalTo(false));
        given().when().get(base(tenant) + "/towns/north/peers/south/status").then().statusCode(200)
                .body("localAhead", equalTo(0)).body("localBehind", equalTo(1)).body("diverged", equalTo(false));

        var result = given().contentType(ContentType.JSON).body(Map.of("strategy", "theirs"))
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

        given().when().get(base(tenant) + "/towns/north/peers/south/status").then().statusCode(200)
                .body("localAhead", equalTo(0)).body("localBehind", equalTo(0))
                .body("lastSuccess", not(nullValue())).body("lastError", nullValue());

        Payloads.SyncCompleted event = awaitEvent(tenant, "north", e -> e.headAfter().equals(result.headAfter()));
        assertThat(event.pulledCommits()).isEqualTo(1);
        assertThat(event.requestId()).isNotBlank();

        var accepted = given().contentType(ContentType.JSON).body(Map.of("strategy", "manual"))
                .when().post(base(tenant) + "/towns/north/peers/south/sync?async=true").then().statusCode(202)
                .extract().jsonPath().getString("requestId");
        Payloads.SyncCompleted async = awaitEvent(tenant, "north", e -> e.requestId().equals(accepted));
        assertThat(async.error()).isNull();
        assertThat(async.strategy()).isEqualTo("manual");
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
        given().contentType(ContentType.JSON)
                .body(Map.of("towns", TOWNS, "topology", "mesh", "strategy", "manual", "intervalSeconds", 3600))
                .when().put(base(tenant) + "/federations/fleet").then().statusCode(200).body("topology", equalTo("mesh"));
        given().contentType(ContentType.JSON).body(Map.of("towns", TOWNS, "topology", "hub:mars"))
                .when().put(base(tenant) + "/federations/bad").then().statusCode(400);

        var results = given().when().post(base(tenant) + "/federations/fleet/sync").then().statusCode(200)
                .body("$", hasSize(6))
                .extract().jsonPath().getList("error");
        assertThat(results).containsOnlyNulls();
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

    // ------------------------------------------------------------------ helpers

    private Payloads.SyncCompleted awaitEvent(String tenant, String town, java.util.function.Predicate<Payloads.SyncCompleted> match) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "sync-api-test-" + UUID.randomUUID());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        try (var consumer = new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(Topics.SYNCS));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    if (!Topics.key(tenant, town).equals(r.key())) {
                        continue;
                    }
                    var event = EventCodec.decode(r.value());
                    assertThat(event.getType()).isEqualTo("dev.meldtown.sync.completed");
                    assertThat(event.getSubject()).isEqualTo(town);
                    var data = EventCodec.data(event, Payloads.SyncCompleted.class);
                    if (match.test(data)) {
                        return data;
                    }
                }
            }
        }
        throw new AssertionError("no sync.completed for " + tenant + "/" + town + " on " + Topics.SYNCS);
    }

    private static String tenant() {
        return "t" + IDS.incrementAndGet() + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static String base(String tenant) {
        return "/v1/tenants/" + tenant;
    }

    private TownsConfig.Town town(String name) {
        return config.towns().get(name);
    }

    private Map<String, Object> townBody(String name) {
        var t = town(name);
        Map<String, Object> sqlPart = new HashMap<>(Map.of("host", t.host(), "port", t.port(), "database", t.database(),
                "user", t.user(), "password", t.password()));
        Map<String, Object> body = new HashMap<>();
        body.put("sql", sqlPart);
        body.put("remotesApiUrl", t.remotesApiUrl().orElseThrow());
        body.put("branch", "main");
        body.put("remoteUser", t.remoteUser().orElseThrow());
        return body;
    }

    private void register(String tenant, String name) {
        given().contentType(ContentType.JSON).body(townBody(name))
                .when().put(base(tenant) + "/towns/" + name).then().statusCode(200).body("name", equalTo(name));
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
