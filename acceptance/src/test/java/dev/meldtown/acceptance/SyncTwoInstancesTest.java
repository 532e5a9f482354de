package dev.meldtown.acceptance;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One sync per town at a time with two sync-orchestrator instances running: the stack's own and a second packaged
 * instance sharing its registry (S3), key and Kafka. Both are asked, at the same moment, to sync town south with its
 * peer north; the lock each takes on south's own Dolt server serializes them, so one merges and pushes while the
 * other waits and then finds nothing left to do.
 */
class SyncTwoInstancesTest {
    private static final int ROUNDS = 4;

    @TempDir
    static Path stackDir;
    static LocalStack stack;
    static LocalStack.Instance second;
    static String secondUrl;
    static String admin;
    static String writer;

    @BeforeAll
    static void up() throws Exception {
        stack = LocalStack.up(stackDir);
        assertThat(stack.upExitCode).as(stack.upOutput).isZero();
        admin = stack.token("acme", "admin");
        writer = stack.token("acme", "writer");

        second = stack.startInstance("sync-orchestrator", 2);
        secondUrl = second.url();

        // registered through the stack's instance; the second one reads the same registry
        stack.registerTowns(admin);
        assertThat(LocalStack.getJson(secondUrl + "/v1/tenants/acme/towns/south/peers", admin).findValuesAsText("name")).contains("north");
    }

    @AfterAll
    static void down() throws Exception {
        if (stack != null) {
            stack.down();
        }
    }

    @Test
    void twoInstancesAskedAtOnceRunOneSyncOfATownAtATime() throws Exception {
        String first = stack.get("SYNC_ORCHESTRATOR_URL");
        String path = "/v1/tenants/acme/towns/south/peers/north/sync";
        List<String> rows = new ArrayList<>();
        int overlapping = 0;
        ExecutorService callers = Executors.newFixedThreadPool(2); // one thread per instance: the calls really are concurrent
        for (int round = 0; round < ROUNDS; round++) {
            String fromNorth = "bd-twin-n" + round;
            String fromSouth = "bd-twin-s" + round;
            commitIssue("NORTH", fromNorth);
            commitIssue("SOUTH", fromSouth);
            rows.add(fromNorth);
            rows.add(fromSouth);
            String southBefore = head("SOUTH");

            CompletableFuture<HttpResponse<String>> a = CompletableFuture.supplyAsync(() -> post(first + path, writer), callers);
            CompletableFuture<HttpResponse<String>> b = CompletableFuture.supplyAsync(() -> post(secondUrl + path, writer), callers);
            List<JsonNode> results = new ArrayList<>();
            for (HttpResponse<String> r : List.of(a.get(3, TimeUnit.MINUTES), b.get(3, TimeUnit.MINUTES))) {
                assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                JsonNode result = LocalStack.JSON.readTree(r.body());
                assertThat(result.get("error").isNull()).as("round %d: %s", round, result).isTrue();
                assertThat(result.get("pushError").isNull()).as("round %d: %s", round, result).isTrue();
                results.add(result);
            }
            JsonNode winner = results.get(0).get("pulledCommits").asInt() == 1 ? results.get(0) : results.get(1);
            JsonNode loser = winner == results.get(0) ? results.get(1) : results.get(0);
            assertThat(List.of(winner.get("pulledCommits").asInt(), loser.get("pulledCommits").asInt())).as("round %d", round)
                    .containsExactly(1, 0);
            assertThat(winner.get("headBefore").asText()).isEqualTo(southBefore);
            assertThat(winner.get("pushedCommits").asInt()).isEqualTo(2); // south's commit and the merge commit
            assertThat(loser.get("headBefore").asText()).as("the other sync started from the head the first one left")
                    .isEqualTo(winner.get("headAfter").asText());
            assertThat(loser.get("headAfter").asText()).isEqualTo(winner.get("headAfter").asText());
            assertThat(loser.get("pushedCommits").asInt()).isZero();
            Instant winnerEnd = Instant.parse(winner.get("endTime").asText());
            assertThat(Instant.parse(loser.get("endTime").asText())).isAfterOrEqualTo(winnerEnd);
            if (Instant.parse(loser.get("startTime").asText()).isBefore(winnerEnd)) {
                overlapping++; // it was asked while the first held the town, and waited
            }
            assertThat(head("SOUTH")).isEqualTo(head("NORTH")).isEqualTo(winner.get("headAfter").asText());
            for (String town : List.of("NORTH", "SOUTH")) {
                for (String id : rows) {
                    assertThat(count(town, "SELECT COUNT(*) FROM issues WHERE id = '" + id + "'")).as("%s has %s", town, id).isEqualTo(1);
                }
                assertThat(count(town, "SELECT COUNT(*) FROM dolt_status")).as("%s working set clean", town).isZero();
            }
        }
        callers.shutdown();
        assertThat(overlapping).as("rounds in which both instances were working on south at the same time").isPositive();
    }

    // ------------------------------------------------------------------ helpers

    private static HttpResponse<String> post(String url, String token) {
        try {
            return LocalStack.post(url, token, Map.of("strategy", "manual"));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static Connection sql(String town) throws Exception {
        return stack.sql(town);
    }

    private static void commitIssue(String town, String id) throws Exception {
        try (Connection c = sql(town); Statement s = c.createStatement()) {
            s.execute("INSERT INTO issues (id, title) VALUES ('" + id + "', 'written in " + town.toLowerCase() + "')");
            s.execute("CALL DOLT_COMMIT('-Am', 'beads: " + id + "')");
        }
    }

    private static String head(String town) throws Exception {
        try (Connection c = sql(town); Statement s = c.createStatement(); ResultSet r = s.executeQuery("SELECT HASHOF('main')")) {
            r.next();
            return r.getString(1);
        }
    }

    private static int count(String town, String query) throws Exception {
        try (Connection c = sql(town); Statement s = c.createStatement(); ResultSet r = s.executeQuery(query)) {
            r.next();
            return r.getInt(1);
        }
    }
}
