package dev.meldtown.sync.federation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meldtown.events.EventCodec;
import dev.meldtown.events.Payloads;
import dev.meldtown.testkit.DoltTown;
import dev.meldtown.testkit.junit.DoltTownsExtension;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * One sync per town at a time with two orchestrator instances: this JVM's engine and a second engine in another
 * JVM ({@link SecondOrchestrator}), each with its own connections, race to sync the same town with the same peer.
 * The town server's {@code GET_LOCK} serializes them: the loser waits, then finds the work done.
 */
class TwoInstancesTest {
    @RegisterExtension
    static DoltTownsExtension towns = new DoltTownsExtension("north", "south");

    private static final int ROUNDS = 5;
    private static Process second;
    private static Writer toSecond;
    private static final BlockingQueue<String> FROM_SECOND = new LinkedBlockingQueue<>();

    @BeforeAll
    static void startTheSecondInstance() throws Exception {
        engine("south").addRemote("north", towns.town("north").remotesApiUrl());
        DoltTown south = towns.town("south");
        DoltTown north = towns.town("north");
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        second = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", classpath, SecondOrchestrator.class.getName(),
                south.sqlHost(), String.valueOf(south.sqlPort()), south.database(), south.sqlUser(), south.sqlPassword(), "main",
                "south", "north", north.remotesApiUrl(), north.remoteUser())
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        toSecond = new OutputStreamWriter(second.getOutputStream(), StandardCharsets.UTF_8);
        Thread reader = new Thread(() -> {
            try (var in = new BufferedReader(new InputStreamReader(second.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                    FROM_SECOND.add(line);
                }
            } catch (IOException ignored) {
                // the process ended
            }
        }, "second-orchestrator-stdout");
        reader.setDaemon(true);
        reader.start();
        assertThat(next("READY")).isEqualTo("READY");
    }

    @AfterAll
    static void stopTheSecondInstance() throws Exception {
        if (second != null) {
            try {
                toSecond.write("quit\n");
                toSecond.flush();
            } catch (IOException ignored) {
                // already gone
            }
            if (!second.waitFor(10, TimeUnit.SECONDS)) {
                second.destroyForcibly();
            }
        }
    }

    @Test
    void twoInstancesRacingOnOneTownRunOneSyncAtATimeAndLeaveItConsistent() throws Exception {
        TownSync first = engine("south");
        Peer north = new Peer("north", towns.town("north").remotesApiUrl(), towns.town("north").remoteUser());
        int overlapping = 0;
        List<String> rows = new ArrayList<>();
        for (int round = 0; round < ROUNDS; round++) {
            String fromNorth = "bd-two-n" + round;
            String fromSouth = "bd-two-s" + round;
            commitInsert("north", fromNorth);
            commitInsert("south", fromSouth);
            rows.add(fromNorth);
            rows.add(fromSouth);
            String southBefore = head("south");

            toSecond.write("sync manual\n");
            toSecond.flush();
            Payloads.SyncResult here = first.sync(north, SyncStrategy.MANUAL);
            Payloads.SyncResult there = EventCodec.mapper().readValue(next("RESULT ").substring("RESULT ".length()),
                    Payloads.SyncResult.class);

            for (var r : List.of(here, there)) {
                assertThat(r.error()).as("round %d: %s", round, r).isNull();
                assertThat(r.pushError()).as("round %d: %s", round, r).isNull();
                assertThat(r.merged()).isTrue();
                assertThat(r.pushed()).isTrue();
            }
            // exactly one instance merged north's commit and pushed; the other ran strictly after it
            var winner = here.pulledCommits() == 1 ? here : there;
            var loser = winner == here ? there : here;
            assertThat(List.of(here.pulledCommits(), there.pulledCommits())).as("round %d", round).containsExactlyInAnyOrder(1, 0);
            assertThat(winner.headBefore()).isEqualTo(southBefore);
            assertThat(winner.pushedCommits()).isEqualTo(2); // south's commit and the merge commit
            assertThat(loser.headBefore()).as("the second sync read the head the first one left").isEqualTo(winner.headAfter());
            assertThat(loser.headAfter()).isEqualTo(winner.headAfter());
            assertThat(loser.pushedCommits()).isZero();
            assertThat(loser.endTime()).isAfterOrEqualTo(winner.endTime());
            System.out.printf("round %d: %s won (%s..%s), %s waited (%s..%s)%n", round, winner == here ? "this JVM" : "the second JVM",
                    winner.startTime(), winner.endTime(), loser == here ? "this JVM" : "the second JVM", loser.startTime(), loser.endTime());
            if (loser.startTime().isBefore(winner.endTime())) {
                overlapping++; // it was called while the first held the town, and waited
            }

            assertThat(head("south")).isEqualTo(head("north")).isEqualTo(winner.headAfter());
            assertClean("south");
            for (String town : List.of("north", "south")) {
                for (String id : rows) {
                    assertThat(count(town, "SELECT COUNT(*) FROM issues WHERE id = '" + id + "'")).as("%s has %s", town, id).isEqualTo(1);
                }
            }
        }
        assertThat(overlapping).as("rounds in which the two instances were called concurrently").isPositive();
    }

    // ------------------------------------------------------------------ helpers

    private static TownSync engine(String town) {
        DoltTown t = towns.town(town);
        return new TownSync("acme", town, new TownConnection(t.sqlHost(), t.sqlPort(), t.database(), t.sqlUser(), t.sqlPassword(), "main"));
    }

    private static String next(String prefix) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
            String line = FROM_SECOND.poll(1, TimeUnit.SECONDS);
            if (line != null && line.startsWith(prefix)) {
                return line;
            }
            if (line == null && !second.isAlive()) {
                throw new AssertionError("the second orchestrator exited with " + second.exitValue());
            }
        }
        throw new AssertionError("the second orchestrator did not answer " + prefix);
    }

    private static void commitInsert(String town, String id) throws SQLException {
        towns.town(town).commitIssue(id, "made in " + town);
    }

    private static void assertClean(String town) throws SQLException {
        assertThat(count(town, "SELECT COUNT(*) FROM dolt_status")).isZero();
        assertThat(count(town, "SELECT COUNT(*) FROM dolt_merge_status WHERE is_merging")).isZero();
        assertThat(count(town, "SELECT COUNT(*) FROM dolt_conflicts")).isZero();
    }

    private static String head(String town) throws SQLException {
        return towns.town(town).head();
    }

    private static long count(String town, String sql) throws SQLException {
        try (Connection c = towns.town(town).connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
