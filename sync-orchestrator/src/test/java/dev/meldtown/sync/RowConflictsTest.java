package dev.meldtown.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.nullValue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.meldtown.events.EventSchemas;
import dev.meldtown.events.EventType;
import dev.meldtown.events.Topics;
import dev.meldtown.testkit.EventsProbe;
import dev.meldtown.testkit.Ports;
import dev.meldtown.testkit.Tokens;
import dev.meldtown.testkit.quarkus.DoltTownsTestResource;
import dev.meldtown.testkit.quarkus.KafkaTestResource;
import dev.meldtown.testkit.quarkus.S3TestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 13 items 2 and 3 over HTTP against real Dolt towns, S3 and Kafka: a pair's sync history, and the row-level
 * resolution of the conflicts a {@code manual} sync kept. (Same test resources as SyncApiTest: one application.)
 */
@QuarkusTest
@QuarkusTestResource(value = KafkaTestResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = S3TestResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = DoltTownsTestResource.class, restrictToAnnotatedClass = true,
        initArgs = @ResourceArg(name = "towns", value = "north,south,east"))
class RowConflictsTest {
    private static final AtomicInteger IDS = new AtomicInteger();

    @Inject
    TownsConfig config;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    @BeforeEach
    void align() throws SQLException {
        for (String t : List.of("north", "south")) {
            sql(t, "GRANT SUPER ON *.* TO 'fed'@'%'");
        }
        sql("north", "CALL DOLT_RESET('--hard')");
        sql("south", "CALL DOLT_REMOTE('add', 'align', '" + town("north").remotesApiUrl().orElseThrow() + "')", true);
        sql("south", "CALL DOLT_FETCH('--user', 'fed', 'align', 'main')");
        sql("south", "CALL DOLT_RESET('--hard', 'align/main')");
        assertThat(head("south")).isEqualTo(head("north"));
    }

    @Test
    void theHistoryListsPastResultsNewestFirstIncludingFailures() throws Exception {
        String tenant = SyncFixtures.tenant("h");
        SyncFixtures.register(config, tenant, "north");
        SyncFixtures.register(config, tenant, "south");
        String pair = SyncFixtures.base(tenant) + "/towns/north/peers/south";
        as(tenant).contentType(ContentType.JSON).body(Map.of("town", "south")).when().put(pair).then().statusCode(200);
        as(tenant).when().get(pair + "/syncs").then().statusCode(200).body("$", hasSize(0));

        String id = "bd-hist-" + IDS.incrementAndGet();
        sql("south", "INSERT INTO issues (id, title) VALUES ('" + id + "', 'from south')");
        sql("south", "CALL DOLT_COMMIT('-Am', 'south adds')");
        as(tenant).when().post(pair + "/fetch").then().statusCode(200).body("error", nullValue());
        String theirs = strategy(tenant, pair, "theirs").then().statusCode(200).body("error", nullValue())
                .extract().jsonPath().getString("headAfter");
        String contested = "bd-hist-" + IDS.incrementAndGet();
        sql("north", "INSERT INTO issues (id, title) VALUES ('" + contested + "', 'north says')");
        sql("north", "CALL DOLT_COMMIT('-Am', 'north claims')");
        sql("south", "INSERT INTO issues (id, title) VALUES ('" + contested + "', 'south says')");
        sql("south", "CALL DOLT_COMMIT('-Am', 'south claims')");
        strategy(tenant, pair, "manual").then().statusCode(200).body("error.category", equalTo("conflict"));
        strategy(tenant, pair, "ours").then().statusCode(200).body("error", nullValue()).body("conflictsResolved", equalTo(1));

        // newest first: ours (resolved 1), manual (conflict), theirs (pulled 1), fetch
        JsonPath all = RestAssured.given().auth().oauth2(Tokens.token(tenant, "reader")).when().get(pair + "/syncs?limit=10")
                .then().statusCode(200).body("$", hasSize(4)).extract().jsonPath();
        assertThat(all.getList("strategy")).containsExactly("ours", "manual", "theirs", "manual");
        List<Map<String, Object>> errors = all.getList("error");
        assertThat(errors).extracting(e -> e == null ? null : e.get("category")).containsExactly(null, "conflict", null, null);
        assertThat(all.getList("conflictsResolved", Integer.class)).containsExactly(1, 0, 0, 0);
        assertThat(all.getList("merged", Boolean.class)).containsExactly(true, false, true, false);
        assertThat(all.getList("pulledCommits", Integer.class)).containsExactly(1, 0, 1, 0);
        assertThat(all.getString("[1].conflicts[0].ours.title")).isEqualTo("north says");
        assertThat(all.getString("[2].headAfter")).isEqualTo(theirs);
        assertThat(all.getString("[0].headAfter")).isEqualTo(head("north"));
        List<String> ends = all.getList("endTime");
        for (int i = 1; i < ends.size(); i++) {
            assertThat(java.time.Instant.parse(ends.get(i - 1))).isAfterOrEqualTo(java.time.Instant.parse(ends.get(i)));
        }
        as(tenant).when().get(pair + "/syncs?limit=2").then().statusCode(200)
                .body("strategy", org.hamcrest.Matchers.contains("ours", "manual"));
        as(tenant).when().get(pair + "/syncs").then().statusCode(200).body("$", hasSize(4));

        // a failed transfer (nobody serves the peer's remotesapi) is history too
        String ghost = SyncFixtures.base(tenant) + "/towns/north/peers/ghost";
        as(tenant).contentType(ContentType.JSON).body(Map.of("url", "http://127.0.0.1:" + Ports.free() + "/beads", "user", "fed"))
                .when().put(ghost).then().statusCode(200);
        try {
            strategy(tenant, ghost, "ours").then().statusCode(200).body("error.category", equalTo("transport"));
            as(tenant).when().get(ghost + "/syncs").then().statusCode(200).body("$", hasSize(1))
                    .body("[0].error.category", equalTo("transport")).body("[0].fetched", equalTo(false));
        } finally {
            as(tenant).when().delete(ghost).then().statusCode(204);
        }

        // a town whose SQL server fails: its history tells no more than the 503 did (the cause is in the log)
        String lost = SyncFixtures.base(tenant) + "/towns/lost";
        Map<String, Object> lostBody = SyncFixtures.townBody(town("north"));
        as(tenant).contentType(ContentType.JSON).body(lostBody).when().put(lost).then().statusCode(200);
        as(tenant).contentType(ContentType.JSON).body(Map.of("town", "south")).when().put(lost + "/peers/south").then().statusCode(200);
        @SuppressWarnings("unchecked")
        Map<String, Object> closed = new LinkedHashMap<>((Map<String, Object>) lostBody.get("sql"));
        int port = Ports.free();
        closed.put("port", port);
        lostBody.put("sql", closed);
        as(tenant).contentType(ContentType.JSON).body(lostBody).when().put(lost).then().statusCode(200);
        strategy(tenant, lost + "/peers/south", "ours").then().statusCode(503).contentType("application/problem+json");
        String message = as(tenant).when().get(lost + "/peers/south/syncs").then().statusCode(200).body("$", hasSize(1))
                .body("[0].error.category", equalTo("transport")).extract().jsonPath().getString("[0].error.message");
        assertThat(message).contains("the service log has the details").doesNotContain(String.valueOf(port));

        for (String bad : List.of("0", "-1", "301", "x", "1.5", "99999999999")) {
            as(tenant).when().get(pair + "/syncs?limit=" + bad).then().statusCode(400).contentType("application/problem+json");
        }
        as(tenant).when().get(SyncFixtures.base(tenant) + "/towns/north/peers/nobody/syncs").then().statusCode(404)
                .contentType("application/problem+json");
        as(tenant).when().get(SyncFixtures.base(tenant) + "/towns/nowhere/peers/south/syncs").then().statusCode(404)
                .contentType("application/problem+json");
        as(tenant).when().get(pair + "/conflicts").then().statusCode(404).contentType("application/problem+json");
    }

    @Test
    void keptRowConflictsAreResolvedRowByRowOnceBothHeadsStayPut() throws Exception {
        String tenant = SyncFixtures.tenant("r");
        SyncFixtures.register(config, tenant, "north");
        SyncFixtures.register(config, tenant, "south");
        String pair = SyncFixtures.base(tenant) + "/towns/north/peers/south";
        as(tenant).contentType(ContentType.JSON).body(Map.of("town", "south")).when().put(pair).then().statusCode(200);

        // a table with a primary key, the same in both towns
        String table = "tasks" + IDS.incrementAndGet();
        sql("north", "CREATE TABLE " + table + " (id INT PRIMARY KEY, title VARCHAR(40), prio INT)");
        sql("north", "INSERT INTO " + table + " VALUES (1, 'one', 1), (2, 'two', 2), (3, 'three', 3), (4, 'four', 4), (5, 'five', 5)");
        sql("north", "CALL DOLT_COMMIT('-Am', 'tasks')");
        strategy(tenant, pair, "theirs").then().statusCode(200).body("error", nullValue()).body("pushed", equalTo(true));
        assertThat(head("south")).isEqualTo(head("north"));

        // both sides change rows 1-4; north deletes row 5 that south changes; south also adds row 6 (no conflict)
        sql("north", "UPDATE " + table + " SET title = CONCAT('north-', id) WHERE id <= 4");
        sql("north", "DELETE FROM " + table + " WHERE id = 5");
        sql("north", "CALL DOLT_COMMIT('-Am', 'north edits')");
        sql("south", "UPDATE " + table + " SET title = CONCAT('south-', id), prio = prio * 10 WHERE id <= 5");
        sql("south", "INSERT INTO " + table + " VALUES (6, 'six', 6)");
        sql("south", "CALL DOLT_COMMIT('-Am', 'south edits')");

        String northHead = head("north");
        strategy(tenant, pair, "manual").then().statusCode(200)
                .body("error.category", equalTo("conflict")).body("conflicts", hasSize(5)).body("merged", equalTo(false));
        assertClean("north", northHead);
        JsonPath kept = RestAssured.given().auth().oauth2(Tokens.token(tenant, "reader")).when().get(pair + "/conflicts")
                .then().statusCode(200).body("rows", hasSize(5)).extract().jsonPath();
        assertThat(kept.getString("ourHead")).isEqualTo(northHead);
        assertThat(kept.getString("theirHead")).isEqualTo(head("south"));
        assertThat(kept.getBoolean("push")).isTrue();
        int five = kept.getList("rows.key.id", Integer.class).indexOf(5);
        assertThat(kept.getMap("rows[" + five + "].ours")).isNull();
        assertThat(kept.getString("rows[" + five + "].theirs.title")).isEqualTo("south-5");
        assertThat(kept.getString("rows[" + five + "].base.title")).isEqualTo("five");

        List<Map<String, Object>> choices = new ArrayList<>(List.of(
                row(table, 1, "ours", null), row(table, 2, "theirs", null),
                row(table, 3, "value", Map.of("title", "agreed", "prio", 9)),
                row(table, 4, "theirs", null), row(table, 5, "ours", null)));

        // bad requests: 400 for the shape, 422 for rows that do not match; none leaves merge state behind
        resolve(tenant, pair, List.of()).then().statusCode(400).contentType("application/problem+json");
        resolve(tenant, pair, replace(choices, 0, row(table, 1, "both", null))).then().statusCode(400);
        resolve(tenant, pair, replace(choices, 0, row(table, 1, "ours", Map.of("title", "x")))).then().statusCode(400);
        resolve(tenant, pair, replace(choices, 2, row(table, 3, "value", null))).then().statusCode(400);
        for (String body : List.of("", "[]", "{\"rows\":\"x\"}", "{\"rows\":[null]}", "{\"rows\":[{\"table\":1,\"key\":\"k\",\"take\":true}]}",
                "{\"rows\":[{\"table\":\"" + table + "\",\"key\":{},\"take\":\"ours\"}]}",
                "{\"rows\":[{\"table\":\"" + table + "\",\"key\":{\"id\":null},\"take\":\"ours\"}]}", "not json")) {
            RestAssured.given().auth().oauth2(Tokens.token(tenant, "writer")).contentType(ContentType.JSON).body(body)
                    .when().post(pair + "/resolve").then().statusCode(400).contentType("application/problem+json");
        }
        resolve(tenant, pair, replace(choices, 0, Map.of("table", table, "key", Map.of("id", Map.of("nested", 1)), "take", "ours")))
                .then().statusCode(422).contentType("application/problem+json");
        resolve(tenant, pair, choices.subList(0, 4)).then().statusCode(422).contentType("application/problem+json");
        resolve(tenant, pair, replace(choices, 0, row(table, 7, "ours", null))).then().statusCode(422);
        resolve(tenant, pair, replace(choices, 0, row("nosuch", 1, "ours", null))).then().statusCode(422);
        resolve(tenant, pair, replace(choices, 0, choices.get(1))).then().statusCode(422);
        resolve(tenant, pair, replace(choices, 2, row(table, 3, "value", Map.of("colour", "red")))).then().statusCode(422);
        resolve(tenant, pair, replace(choices, 2, row(table, 3, "value", Map.of("id", 4)))).then().statusCode(422);
        assertClean("north", northHead);
        // a value the table refuses (too long for VARCHAR(40)) is found only while the merge is replayed: aborted
        resolve(tenant, pair, replace(choices, 2, row(table, 3, "value", Map.of("title", "x".repeat(200)))))
                .then().statusCode(422).contentType("application/problem+json");
        assertClean("north", northHead);

        // the peer moves: 409; a new manual sync computes the conflicts again
        sql("south", "INSERT INTO " + table + " VALUES (7, 'seven', 7)");
        sql("south", "CALL DOLT_COMMIT('-Am', 'south adds 7')");
        resolve(tenant, pair, choices).then().statusCode(409).contentType("application/problem+json");
        assertClean("north", northHead);
        strategy(tenant, pair, "manual").then().statusCode(200).body("conflicts", hasSize(5));
        // the town moves: 409 again
        sql("north", "INSERT INTO " + table + " VALUES (8, 'eight', 8)");
        sql("north", "CALL DOLT_COMMIT('-Am', 'north adds 8')");
        northHead = head("north");
        resolve(tenant, pair, choices).then().statusCode(409);
        assertClean("north", northHead);
        strategy(tenant, pair, "manual").then().statusCode(200).body("conflicts", hasSize(5));
        String southHead = head("south");

        JsonPath result = resolve(tenant, pair, choices).then().statusCode(200)
                .body("error", nullValue()).body("pushError", nullValue())
                .body("strategy", equalTo("manual"))
                .body("merged", equalTo(true)).body("pushed", equalTo(true))
                .body("conflictsResolved", equalTo(5)).body("conflicts", hasSize(5))
                .body("resolution.ourHead", equalTo(northHead)).body("resolution.theirHead", equalTo(southHead))
                .body("resolution.ours", equalTo(2)).body("resolution.theirs", equalTo(2)).body("resolution.value", equalTo(1))
                .extract().jsonPath();
        assertThat(result.getString("headBefore")).isEqualTo(northHead);
        assertThat(result.getString("headAfter")).isEqualTo(head("north")).isEqualTo(head("south")).isNotEqualTo(northHead);
        assertThat(result.getInt("pulledCommits")).as("south edits, south adds 7").isEqualTo(2);

        Map<Integer, String> expected = new LinkedHashMap<>();
        expected.put(1, "north-1/1");
        expected.put(2, "south-2/20");
        expected.put(3, "agreed/9");
        expected.put(4, "south-4/40");
        expected.put(6, "six/6");
        expected.put(7, "seven/7");
        expected.put(8, "eight/8");
        for (String t : List.of("north", "south")) {
            assertThat(rows(t, table)).as("rows of %s", t).isEqualTo(expected);
            assertClean(t, head("north"));
        }
        as(tenant).when().get(pair + "/conflicts").then().statusCode(404).contentType("application/problem+json");
        resolve(tenant, pair, choices).then().statusCode(404);
        as(tenant).when().get(pair + "/syncs?limit=1").then().statusCode(200)
                .body("[0].resolution.theirs", equalTo(2)).body("[0].headAfter", equalTo(head("north")));

        // sync.completed: the resolution, on contract
        List<EventsProbe.Seen> seen = EventsProbe.await(bootstrap, Topics.SYNCS, s -> Topics.key(tenant, "north").equals(s.key())
                && EventType.SYNC_COMPLETED.type().equals(s.type()) && s.data().has("resolution"), 1, Duration.ofSeconds(60));
        assertThat(seen).hasSize(1);
        JsonNode data = seen.get(0).data();
        assertThat(EventSchemas.validate(EventType.SYNC_COMPLETED, data)).as("%s", data).isEmpty();
        assertThat(data.path("conflictsResolved").asInt()).isEqualTo(5);
        assertThat(data.at("/resolution/value").asInt()).isEqualTo(1);
        assertThat(data.path("headAfter").asText()).isEqualTo(head("north"));
        // events of other syncs leave the field out
        List<EventsProbe.Seen> plain = EventsProbe.await(bootstrap, Topics.SYNCS, s -> Topics.key(tenant, "north").equals(s.key())
                && EventType.SYNC_COMPLETED.type().equals(s.type()), 2, Duration.ofSeconds(30));
        assertThat(plain.get(0).data().has("resolution")).isFalse();
    }

    /** A kept pull is resolved without a push; taking their side of a row they deleted deletes it. */
    @Test
    void aKeptPullIsResolvedWithoutPushingAndTheirDeletionIsTaken() throws Exception {
        String tenant = SyncFixtures.tenant("p");
        SyncFixtures.register(config, tenant, "north");
        SyncFixtures.register(config, tenant, "south");
        String pair = SyncFixtures.base(tenant) + "/towns/north/peers/south";
        as(tenant).contentType(ContentType.JSON).body(Map.of("town", "south")).when().put(pair).then().statusCode(200);
        String table = "notes" + IDS.incrementAndGet();
        sql("north", "CREATE TABLE " + table + " (id INT PRIMARY KEY, title VARCHAR(40), prio INT)");
        sql("north", "INSERT INTO " + table + " VALUES (1, 'one', 1), (2, 'two', 2)");
        sql("north", "CALL DOLT_COMMIT('-Am', 'notes')");
        strategy(tenant, pair, "theirs").then().statusCode(200).body("error", nullValue()).body("pushed", equalTo(true));
        sql("north", "UPDATE " + table + " SET title = 'north' WHERE id IN (1, 2)");
        sql("north", "CALL DOLT_COMMIT('-Am', 'north edits')");
        sql("south", "UPDATE " + table + " SET title = 'south' WHERE id = 1");
        sql("south", "DELETE FROM " + table + " WHERE id = 2");
        sql("south", "CALL DOLT_COMMIT('-Am', 'south edits')");
        String southHead = head("south");

        as(tenant).contentType(ContentType.JSON).body(Map.of("strategy", "manual")).when().post(pair + "/pull").then().statusCode(200)
                .body("error.category", equalTo("conflict")).body("conflicts", hasSize(2));
        as(tenant).when().get(pair + "/conflicts").then().statusCode(200).body("push", equalTo(false)).body("rows", hasSize(2));
        resolve(tenant, pair, List.of(row(table, 1, "value", Map.of("prio", 5)), row(table, 2, "theirs", null))).then().statusCode(200)
                .body("error", nullValue()).body("merged", equalTo(true)).body("pushed", equalTo(false)).body("pushedCommits", equalTo(0))
                .body("resolution.value", equalTo(1)).body("resolution.theirs", equalTo(1));
        assertThat(rows("north", table)).isEqualTo(Map.of(1, "north/5"));
        assertThat(head("south")).as("a kept pull does not push").isEqualTo(southHead);
        assertClean("north", head("north"));
    }

    // ------------------------------------------------------------------ helpers

    private static Map<String, Object> row(String table, int id, String take, Map<String, Object> value) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("table", table);
        row.put("key", Map.of("id", id));
        row.put("take", take);
        if (value != null) {
            row.put("value", value);
        }
        return row;
    }

    private static List<Map<String, Object>> replace(List<Map<String, Object>> rows, int i, Map<String, Object> row) {
        List<Map<String, Object>> out = new ArrayList<>(rows);
        out.set(i, row);
        return out;
    }

    private static io.restassured.response.Response resolve(String tenant, String pair, List<Map<String, Object>> rows) {
        return RestAssured.given().auth().oauth2(Tokens.token(tenant, "writer")).contentType(ContentType.JSON)
                .body(Map.of("rows", rows)).when().post(pair + "/resolve");
    }

    private static io.restassured.response.Response strategy(String tenant, String pair, String strategy) {
        return as(tenant).contentType(ContentType.JSON).body(Map.of("strategy", strategy)).when().post(pair + "/sync");
    }

    private static RequestSpecification as(String tenant) {
        return SyncFixtures.as(tenant);
    }

    /** The town is on {@code head}, with a clean working set and no merge in progress. */
    private void assertClean(String town, String head) throws SQLException {
        assertThat(head(town)).as("head of %s", town).isEqualTo(head);
        try (Connection c = TownReadinessChecks.connect(town(town)); Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("SELECT * FROM dolt_status")) {
                assertThat(rs.next()).as("%s has uncommitted changes", town).isFalse();
            }
            try (ResultSet rs = s.executeQuery("SELECT is_merging FROM dolt_merge_status")) {
                while (rs.next()) {
                    assertThat(rs.getBoolean(1)).as("%s is merging", town).isFalse();
                }
            }
            try (ResultSet rs = s.executeQuery("SELECT * FROM dolt_conflicts")) {
                assertThat(rs.next()).as("%s has conflicts", town).isFalse();
            }
        }
    }

    private Map<Integer, String> rows(String town, String table) throws SQLException {
        Map<Integer, String> out = new LinkedHashMap<>();
        try (Connection c = TownReadinessChecks.connect(town(town)); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT id, title, prio FROM " + table + " ORDER BY id")) {
            while (rs.next()) {
                out.put(rs.getInt(1), rs.getString(2) + "/" + rs.getInt(3));
            }
        }
        return out;
    }

    private TownsConfig.Town town(String name) {
        return config.towns().get(name);
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
}
