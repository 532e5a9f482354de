package dev.meldtown.sync;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;

import dev.meldtown.events.DeadLetter;
import dev.meldtown.events.EventCodec;
import dev.meldtown.events.EventType;
import dev.meldtown.events.Payloads;
import dev.meldtown.events.Topics;
import dev.meldtown.service.S3Config;
import dev.meldtown.testkit.EventsProbe;
import dev.meldtown.testkit.Ports;
import dev.meldtown.testkit.quarkus.DoltTownsTestResource;
import dev.meldtown.testkit.quarkus.KafkaTestResource;
import dev.meldtown.testkit.quarkus.S3TestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

/**
 * Issue 10 against real Dolt towns, S3 and Kafka: limits answered before any work, the allow-list of server-side
 * targets, one generic answer for every way a town's SQL server can fail, peers that could never sync, and a
 * sync.requested consumer that checks record keys and survives a request that fails.
 */
@QuarkusTest
@QuarkusTestResource(value = KafkaTestResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = S3TestResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = DoltTownsTestResource.class, restrictToAnnotatedClass = true,
        initArgs = @ResourceArg(name = "towns", value = "north,south,east"))
class HardeningTest {
    private static final AtomicInteger IDS = new AtomicInteger();

    @Inject
    TownsConfig config;

    @Inject
    S3Client s3;

    @Inject
    S3Config s3Config;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    @ConfigProperty(name = "meldtown.sync-limits.federation-towns")
    int federationTowns;

    // ------------------------------------------------------------------ item 1: limits before work

    @Test
    void aFederationOfTenThousandTownsIsRefusedFastAndTheServiceStaysUsable() throws Exception {
        String tenant = tenant();
        register(tenant, "north");
        register(tenant, "south");
        List<String> towns = IntStream.range(0, 10_000).mapToObj(i -> "town-" + i).toList();
        long start = System.nanoTime();
        as(tenant).contentType(ContentType.JSON).body(Map.of("towns", towns, "topology", "mesh", "strategy", "theirs"))
                .when().put(base(tenant) + "/federations/huge").then().statusCode(400)
                .contentType("application/problem+json")
                .body("status", equalTo(400))
                .body("detail", containsString("meldtown.sync-limits.federation-towns (" + federationTowns + ")"));
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        as(tenant).when().get(base(tenant) + "/federations/huge").then().statusCode(404);

        given().when().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"));
        given().when().get("/q/health/live").then().statusCode(200);
        // the Kafka producer and consumer still work: a sync.requested is executed and answered
        as(tenant).contentType(ContentType.JSON).body(Map.of("town", "south"))
                .when().put(base(tenant) + "/towns/north/peers/south").then().statusCode(200);
        String requestId = "req-" + UUID.randomUUID();
        send(Topics.key(tenant, "north"), new Payloads.SyncRequested(tenant, "north", "south", "theirs", requestId));
        assertThat(completed(tenant, "north", requestId, Duration.ofSeconds(60))).hasSize(1);
    }

    @Test
    void federationBodiesAreValidatedBeforeAnyWork() {
        String tenant = tenant();
        register(tenant, "north");
        register(tenant, "south");
        String path = base(tenant) + "/federations/f";
        badRequest(tenant, path, Map.of("towns", List.of("north", "south", "north")), "north appears more than once");
        badRequest(tenant, path, Map.of("towns", List.of("north", "south"), "intervalSeconds", -5), "intervalSeconds must be between 1");
        badRequest(tenant, path, Map.of("towns", List.of("north", "south"), "intervalSeconds", 100_000_000), "interval-seconds-max");
        badRequest(tenant, path, Map.of("towns", List.of("north", "south"), "topology", "hub:east"), "hub east is not one of the towns");
        badRequest(tenant, path, Map.of("towns", List.of("north", "Bad_Town")), "town name must match");
        badRequest(tenant, path, Map.of("towns", List.of("north")), "at least two towns");
        badRequest(tenant, path, Map.of("towns", List.of("north", "south"), "strategy", "lww"), "lww");
        List<String> tooMany = IntStream.range(0, federationTowns + 1).mapToObj(i -> "t" + i).toList();
        badRequest(tenant, path, Map.of("towns", tooMany), "federation-towns");
        // a type mismatch is refused too (its problem+json body comes from service-support's Jackson mapper)
        as(tenant).contentType(ContentType.JSON).body("{\"towns\":[\"north\",\"south\"],\"intervalSeconds\":\"x\"}")
                .when().put(path).then().statusCode(400);
        as(tenant).when().get(path).then().statusCode(404);
        as(tenant).contentType(ContentType.JSON).body(Map.of("towns", List.of("north", "south"), "intervalSeconds", 3600))
                .when().put(path).then().statusCode(200);
    }

    @Test
    void aTenantHasAtMostTheConfiguredNumberOfFederations() {
        String tenant = tenant();
        register(tenant, "north");
        register(tenant, "south");
        Map<String, Object> body = Map.of("towns", List.of("north", "south"));
        for (int i = 1; i <= 6; i++) { // 6 in the test profile
            as(tenant).contentType(ContentType.JSON).body(body).when().put(base(tenant) + "/federations/f" + i).then().statusCode(200);
        }
        badRequest(tenant, base(tenant) + "/federations/f7", body, "federations-per-tenant");
        as(tenant).when().get(base(tenant) + "/federations/f7").then().statusCode(404);
        as(tenant).contentType(ContentType.JSON).body(Map.of("towns", List.of("south", "north"), "strategy", "ours"))
                .when().put(base(tenant) + "/federations/f6").then().statusCode(200).body("strategy", equalTo("ours"));
    }

    @Test
    void townAndPeerBodiesAreBounded() {
        String tenant = tenant();
        register(tenant, "north");
        var body = townBody("south");
        sqlPart(body).put("password", "p".repeat(2000));
        badRequest(tenant, base(tenant) + "/towns/south", body, "password-length");
        body = townBody("south");
        sqlPart(body).put("user", "root'--");
        badRequest(tenant, base(tenant) + "/towns/south", body, "sql.user must match");
        as(tenant).contentType(ContentType.JSON).body(Map.of("strategy", "ours"))
                .when().post(base(tenant) + "/towns/north/peers/south/sync?async=maybe").then().statusCode(400)
                .contentType("application/problem+json").body("detail", containsString("async"));

        // towns per tenant (8 in the test profile): the 9th new town is refused, updating one is not
        for (int i = 2; i <= 8; i++) {
            registerAs(tenant, "town-" + i, townBody("south"));
        }
        badRequest(tenant, base(tenant) + "/towns/town-9", townBody("south"), "towns-per-tenant");
        registerAs(tenant, "town-8", townBody("south"));
    }

    @Test
    void aTownHasAtMostTheConfiguredNumberOfPeers() throws Exception {
        String tenant = tenant();
        register(tenant, "east");
        String url = town("south").remotesApiUrl().orElseThrow();
        List<String> added = new ArrayList<>();
        try {
            for (int i = 1; i <= 4; i++) {
                String peer = "p" + IDS.incrementAndGet();
                as(tenant).contentType(ContentType.JSON).body(Map.of("url", url, "user", "fed"))
                        .when().put(base(tenant) + "/towns/east/peers/" + peer).then().statusCode(200);
                added.add(peer);
            }
            badRequest(tenant, base(tenant) + "/towns/east/peers/one-more", Map.of("url", url, "user", "fed"), "peers-per-town");
            assertThat(remotes("east")).doesNotContain("one-more");
            // re-adding an existing peer is no new peer
            as(tenant).contentType(ContentType.JSON).body(Map.of("url", url, "user", "fed"))
                    .when().put(base(tenant) + "/towns/east/peers/" + added.get(0)).then().statusCode(200);
        } finally {
            for (String peer : added) {
                as(tenant).when().delete(base(tenant) + "/towns/east/peers/" + peer).then().statusCode(204);
            }
        }
    }

    // ------------------------------------------------------------------ item 5: server-side targets

    @Test
    void onlyHttpRemotesApiUrlsOnAllowedHostsAreAccepted() throws Exception {
        String tenant = tenant();
        register(tenant, "north");
        String dir = "/tmp/meldtown-ssrf-" + UUID.randomUUID();
        for (String bad : List.of("file://" + dir, "ftp://127.0.0.1:21/beads", "gopher://127.0.0.1:70/beads")) {
            var body = townBody("south");
            body.put("remotesApiUrl", bad);
            badRequest(tenant, base(tenant) + "/towns/south", body, "must be an http(s) remotesapi URL");
            badRequest(tenant, base(tenant) + "/towns/north/peers/evil", Map.of("url", bad, "user", "fed"),
                    "must be an http(s) remotesapi URL");
        }
        var body = townBody("south");
        body.put("remotesApiUrl", "http://169.254.169.254:80/beads");
        badRequest(tenant, base(tenant) + "/towns/south", body, "meldtown.sync-targets.allowed-hosts");
        badRequest(tenant, base(tenant) + "/towns/north/peers/evil", Map.of("url", "https://internal.example.com/beads", "user", "fed"),
                "meldtown.sync-targets.allowed-hosts");
        body = townBody("south");
        sqlPart(body).put("host", "10.1.2.3");
        badRequest(tenant, base(tenant) + "/towns/south", body, "meldtown.sync-targets.allowed-hosts");

        as(tenant).when().get(base(tenant) + "/towns/south").then().statusCode(404);
        assertThat(remotes("north")).doesNotContain("evil");
        assertThat(java.nio.file.Files.exists(java.nio.file.Path.of(dir))).isFalse();
    }

    @Test
    void everyWayATownsSqlServerCanFailGetsTheSameAnswer() throws Exception {
        String tenant = tenant();
        java.net.URI s3 = java.net.URI.create(s3Config.endpoint());
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread acceptor = new Thread(() -> {
                List<Socket> held = new ArrayList<>();
                try {
                    while (true) {
                        held.add(silent.accept()); // accepts and never says anything
                    }
                } catch (Exception ignored) {
                    held.forEach(HardeningTest::closeQuietly);
                }
            }, "silent-port");
            acceptor.setDaemon(true);
            acceptor.start();

            Map<String, Map<String, Object>> ghosts = new HashMap<>();
            ghosts.put("closed", withPort(townBody("north"), Ports.free()));
            ghosts.put("not-mysql", withPort(townBody("north"), s3.getPort())); // an HTTP server
            ghosts.put("silent", withPort(townBody("north"), silent.getLocalPort()));
            var wrongPassword = townBody("north");
            sqlPart(wrongPassword).put("password", "not-the-password");
            ghosts.put("bad-login", wrongPassword);

            List<String> answers = new ArrayList<>();
            for (var ghost : ghosts.entrySet()) {
                registerAs(tenant, ghost.getKey(), ghost.getValue());
                Response r = as(tenant).when().get(base(tenant) + "/towns/" + ghost.getKey() + "/peers");
                r.then().statusCode(503).contentType("application/problem+json").body("category", equalTo("transport"));
                answers.add(r.jsonPath().getString("type") + " | " + r.jsonPath().getString("title") + " | "
                        + r.jsonPath().getString("detail") + " | " + r.jsonPath().getString("category"));
                assertThat(r.asString()).as(ghost.getKey()).doesNotContain(String.valueOf(sqlPart(ghost.getValue()).get("port")));
            }
            assertThat(answers).as("one answer for %s", ghosts.keySet()).hasSize(4).allMatch(a -> a.equals(answers.get(0)));
            // a sync through such a town says the same
            as(tenant).contentType(ContentType.JSON).body(Map.of("url", town("south").remotesApiUrl().orElseThrow(), "user", "fed"))
                    .when().put(base(tenant) + "/towns/closed/peers/south").then().statusCode(503);
        }
    }

    // ------------------------------------------------------------------ item 13: peers that could never sync

    @Test
    void aPeerWhoseTownHasNoRemoteUserIsRefused() {
        String tenant = tenant();
        register(tenant, "south");
        var north = townBody("north");
        north.remove("remoteUser");
        registerAs(tenant, "north", north);
        badRequest(tenant, base(tenant) + "/towns/south/peers/north", Map.of("town", "north"), "remoteUser");
        as(tenant).when().get(base(tenant) + "/towns/south").then().statusCode(200);
        badRequest(tenant, base(tenant) + "/federations/f", Map.of("towns", List.of("north", "south")), "remoteUser");
        // an explicit user is enough
        as(tenant).contentType(ContentType.JSON).body(Map.of("town", "north", "user", "fed"))
                .when().put(base(tenant) + "/towns/south/peers/north").then().statusCode(200).body("user", equalTo("fed"));
    }

    // ------------------------------------------------------------------ sync.requested consumer

    @Test
    void aSyncRequestedWhoseKeyDoesNotMatchItsPayloadIsDeadLetteredAndCounted() throws Exception {
        String victim = tenant();
        register(victim, "north");
        register(victim, "south");
        as(victim).contentType(ContentType.JSON).body(Map.of("town", "south"))
                .when().put(base(victim) + "/towns/north/peers/south").then().statusCode(200);
        double droppedBefore = dropped("key-mismatch");

        String forged = "req-" + UUID.randomUUID();
        send(Topics.key("attacker", "north"), new Payloads.SyncRequested(victim, "north", "south", "theirs", forged));
        String wrongTown = "req-" + UUID.randomUUID();
        send(Topics.key(victim, "south"), new Payloads.SyncRequested(victim, "north", "south", "theirs", wrongTown));
        String honest = "req-" + UUID.randomUUID();
        send(Topics.key(victim, "north"), new Payloads.SyncRequested(victim, "north", "south", "theirs", honest));

        assertThat(completed(victim, "north", honest, Duration.ofSeconds(60))).hasSize(1);
        assertThat(completed(victim, "north", forged, Duration.ofSeconds(3))).isEmpty();
        assertThat(completed(victim, "north", wrongTown, Duration.ofSeconds(1))).isEmpty();
        assertThat(requestMarked(victim, forged)).isFalse();
        assertThat(requestMarked(victim, wrongTown)).isFalse();
        assertThat(dropped("key-mismatch")).isGreaterThanOrEqualTo(droppedBefore + 2);
        // both went to meldtown.syncs.dlq as they came, with the reason and where they were read
        for (String id : List.of(forged, wrongTown)) {
            var letters = EventsProbe.await(bootstrap, Topics.SYNCS_DLQ, l -> l.event() != null
                    && id.equals(EventCodec.data(l.event(), Payloads.SyncRequested.class).requestId()), 1, Duration.ofSeconds(30));
            assertThat(letters).hasSize(1);
            assertThat(letters.get(0).headers()).containsEntry(DeadLetter.CATEGORY, "key-mismatch")
                    .containsEntry(DeadLetter.TOPIC, Topics.SYNCS).containsKey(DeadLetter.OFFSET);
            assertThat(letters.get(0).headers().get(DeadLetter.REASON)).contains("does not match its payload's tenant/town");
        }
        assertThat(EventsProbe.await(bootstrap, Topics.SYNCS_DLQ, l -> l.event() != null
                && honest.equals(EventCodec.data(l.event(), Payloads.SyncRequested.class).requestId()), 1, Duration.ofSeconds(2)))
                .as("the honest request is not dead-lettered").isEmpty();
    }

    @Test
    void theConsumerSurvivesARequestThatFailsAndGoesOn() throws Exception {
        String broken = tenant();
        register(broken, "north");
        // the registry entry of the town is unreadable: every attempt fails with an unexpected exception
        s3.putObject(b -> b.bucket(s3Config.bucket()).key("sync/tenants/" + broken + "/towns/north.json"),
                RequestBody.fromString("{not json", StandardCharsets.UTF_8));
        double failedBefore = dropped("failed");
        String poison = "req-" + UUID.randomUUID();
        send(Topics.key(broken, "north"), new Payloads.SyncRequested(broken, "north", "south", "theirs", poison));

        String tenant = tenant();
        register(tenant, "north");
        register(tenant, "south");
        as(tenant).contentType(ContentType.JSON).body(Map.of("town", "south"))
                .when().put(base(tenant) + "/towns/north/peers/south").then().statusCode(200);
        String after = "req-" + UUID.randomUUID();
        send(Topics.key(tenant, "north"), new Payloads.SyncRequested(tenant, "north", "south", "theirs", after));
        assertThat(completed(tenant, "north", after, Duration.ofSeconds(60))).as("a request after the failing one").hasSize(1);
        assertThat(dropped("failed")).isGreaterThanOrEqualTo(failedBefore + 1);
        var letter = EventsProbe.await(bootstrap, Topics.SYNCS_DLQ, l -> l.event() != null
                && poison.equals(EventCodec.data(l.event(), Payloads.SyncRequested.class).requestId()), 1, Duration.ofSeconds(30));
        assertThat(letter).hasSize(1);
        assertThat(letter.get(0).headers()).containsEntry(DeadLetter.CATEGORY, "failed");
        given().when().get("/q/health/ready").then().statusCode(200);
    }

    // ------------------------------------------------------------------ helpers

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (Exception ignored) {
            // closing
        }
    }

    private void badRequest(String tenant, String path, Object body, String detail) {
        as(tenant).contentType(ContentType.JSON).body(body).when().put(path).then()
                .statusCode(400)
                .contentType("application/problem+json")
                .body("status", equalTo(400))
                .body("title", not(nullValue()))
                .body("detail", containsString(detail));
    }

    private double dropped(String reason) {
        String metrics = given().when().get("/q/metrics").then().statusCode(200).extract().asString();
        double sum = 0;
        for (String line : metrics.split("\n")) {
            if (line.startsWith("meldtown_sync_requests_dropped_total{") && line.contains("reason=\"" + reason + "\"")) {
                sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return sum;
    }

    private boolean requestMarked(String tenant, String requestId) {
        try {
            s3.headObject(b -> b.bucket(s3Config.bucket()).key("sync/tenants/" + tenant + "/requests/" + requestId + ".json"));
            return true;
        } catch (NoSuchKeyException e) {
            return false;
        } catch (software.amazon.awssdk.services.s3.model.S3Exception e) {
            if (e.statusCode() == 404) {
                return false;
            }
            throw e;
        }
    }

    private void send(String key, Payloads.SyncRequested request) throws Exception {
        byte[] value = EventCodec.encode(EventType.SYNC_REQUESTED, request.town(), request);
        try (var producer = new KafkaProducer<>(Map.<String, Object>of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap),
                new StringSerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(Topics.SYNCS, key, value)).get();
        }
    }

    private List<EventsProbe.Seen> completed(String tenant, String town, String requestId, Duration timeout) throws Exception {
        return EventsProbe.await(bootstrap, Topics.SYNCS, s -> Topics.key(tenant, town).equals(s.key())
                && EventType.SYNC_COMPLETED.type().equals(s.type())
                && requestId.equals(EventCodec.data(s.event(), Payloads.SyncCompleted.class).requestId()), 1, timeout);
    }

    private List<String> remotes(String town) throws Exception {
        List<String> out = new ArrayList<>();
        try (Connection c = TownReadinessChecks.connect(town(town)); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT name FROM dolt_remotes")) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    private static String tenant() {
        return SyncFixtures.tenant("h");
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

    @SuppressWarnings("unchecked")
    private static Map<String, Object> sqlPart(Map<String, Object> body) {
        var copy = new HashMap<>((Map<String, Object>) body.get("sql"));
        body.put("sql", copy);
        return copy;
    }

    private static Map<String, Object> withPort(Map<String, Object> body, int port) {
        sqlPart(body).put("port", port);
        return body;
    }

    private void register(String tenant, String name) {
        SyncFixtures.register(config, tenant, name);
    }

    private void registerAs(String tenant, String name, Map<String, Object> body) {
        as(tenant).contentType(ContentType.JSON).body(body)
                .when().put(base(tenant) + "/towns/" + name).then().statusCode(200).body("name", equalTo(name));
    }
}
