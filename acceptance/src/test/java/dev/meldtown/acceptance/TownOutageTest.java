package dev.meldtown.acceptance;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.meldtown.testkit.Processes;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A town's {@code dolt sql-server} dies under a running stack and comes back ({@code bin/stack up} restarts what is not
 * running). While it is down, the sync and status calls that need it answer 503 {@code town-unreachable}
 * problem+json within a bounded time and sync-orchestrator's readiness reports the town DOWN; once it is back, a sync
 * succeeds and its {@code sync.completed} event is on {@code meldtown.syncs}. (S3 and Kafka outages: block-store's
 * OutageTest.)
 */
class TownOutageTest {
    /** What a client may wait for an answer while the town is down (connect timeout 5 s, plus a busy machine). */
    static final Duration BOUND = Duration.ofSeconds(20);

    @TempDir
    static Path dir;
    static LocalStack stack;
    static String admin;

    @BeforeAll
    static void up() throws Exception {
        stack = LocalStack.up(dir.resolve("stack"));
        assertThat(stack.upExitCode).as(stack.upOutput).isZero();
        admin = stack.token("acme", "admin");
        stack.registerTowns(admin);
    }

    @AfterAll
    static void down() throws Exception {
        if (stack != null) {
            stack.down();
        }
    }

    @Test
    void aTownThatIsDownAnswers503AndSyncsAgainOnceItIsBack() throws Exception {
        String sync = stack.get("SYNC_ORCHESTRATOR_URL") + "/v1/tenants/acme/towns/south/peers/north";
        JsonNode first = syncOk(sync);

        // south's SQL server dies (SIGKILL): sync-orchestrator talks to south for a sync of south with its peer north
        String pid = stack.pids().get("town-south.pid");
        assertThat(Processes.exec(new ProcessBuilder("kill", "-KILL", pid), Duration.ofSeconds(10)).exitCode()).isZero();
        int port = Integer.parseInt(stack.get("TOWN_SOUTH_SQL_PORT"));
        assertThat(LocalStack.await(Duration.ofSeconds(30), () -> !listening(port))).as("south's SQL port closed").isTrue();

        for (String[] call : List.of(new String[] {"POST", sync + "/sync"}, new String[] {"GET", sync + "/status"},
                new String[] {"GET", sync.substring(0, sync.indexOf("/peers/")) + "/peers"})) {
            long started = System.nanoTime();
            HttpResponse<String> r = LocalStack.send(call[0], call[1], admin, call[0].equals("POST") ? Map.of("strategy", "ours") : null);
            Duration took = Duration.ofNanos(System.nanoTime() - started);
            String what = call[0] + " " + call[1] + " while south is down answered " + r.statusCode() + " " + r.headers().map() + " " + r.body();
            assertThat(r.statusCode()).as(what).isEqualTo(503);
            assertThat(r.headers().firstValue("Content-Type").orElse("")).as(what).startsWith("application/problem+json");
            assertThat(LocalStack.JSON.readTree(r.body()).path("type").asText()).as(what).endsWith("/town-unreachable");
            assertThat(r.headers().firstValue("Retry-After")).as(what + ": Retry-After").hasValueSatisfying(v -> assertThat(v).matches("[1-9][0-9]*"));
            assertThat(took).as(what).isLessThan(BOUND);
        }
        // readiness reports the town DOWN within a probe interval (towns are probed every 2 s in the background, so each
        // answer comes within 2 s), liveness stays UP: the platform must not restart sync-orchestrator for a town that is down
        HttpResponse<String> ready = null;
        long readyDeadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (true) {
            long asked = System.nanoTime();
            ready = LocalStack.get(stack.get("SYNC_ORCHESTRATOR_URL") + "/q/health/ready", null);
            assertThat(Duration.ofNanos(System.nanoTime() - asked)).as("readiness answers within 2 s").isLessThan(Duration.ofSeconds(2));
            if (ready.statusCode() == 503 || System.nanoTime() > readyDeadline) {
                break;
            }
            Thread.sleep(250);
        }
        assertThat(ready.statusCode()).as(ready.body()).isEqualTo(503);
        JsonNode southCheck = null;
        for (JsonNode check : LocalStack.JSON.readTree(ready.body()).path("checks")) {
            if (check.path("name").asText().equals("town south")) {
                southCheck = check;
            }
        }
        assertThat(southCheck).as(ready.body()).isNotNull();
        assertThat(southCheck.path("status").asText()).as(ready.body()).isEqualTo("DOWN");
        assertThat(LocalStack.get(stack.get("SYNC_ORCHESTRATOR_URL") + "/q/health/live", null).statusCode()).isEqualTo(200);

        // bin/stack up restarts what is not running. The killed server's parent (the first bin/stack up) is gone, so
        // it stays a zombie until this machine's init reaps it, and `kill -0` (bin/stack's liveness test) still
        // succeeds on a zombie: wait until the process has really disappeared.
        assertThat(LocalStack.await(Duration.ofMinutes(3), () -> !java.nio.file.Files.exists(Path.of("/proc", pid))))
                .as("the killed town process " + pid + " reaped").isTrue();
        // bin/stack up restarts the town; the service recovers by itself
        Processes.Result again = stack.stack("up");
        assertThat(again.exitCode()).as(again.stdout() + again.stderr()).isZero();
        assertThat(LocalStack.await(Duration.ofMinutes(1), () -> {
            try {
                return LocalStack.get(stack.get("SYNC_ORCHESTRATOR_URL") + "/q/health/ready", null).statusCode() == 200;
            } catch (Exception e) {
                return false;
            }
        })).as("sync-orchestrator ready again").isTrue();
        JsonNode after = syncOk(sync);

        // no lost event: both syncs that answered 200 have their sync.completed on meldtown.syncs
        List<JsonNode> events = syncEvents();
        for (JsonNode result : List.of(first, after)) {
            assertThat(events).as("sync.completed for the sync that started at " + result.get("startTime") + " among " + events)
                    .anySatisfy(e -> {
                        assertThat(e.path("type").asText()).isEqualTo("dev.meldtown.sync.completed");
                        assertThat(e.path("data").path("town").asText()).isEqualTo("south");
                        assertThat(e.path("data").path("peer").asText()).isEqualTo("north");
                        assertThat(e.path("data").path("startTime")).isEqualTo(result.get("startTime"));
                        assertThat(e.path("data").path("error").isNull()).isTrue();
                    });
        }
    }

    private static JsonNode syncOk(String sync) throws Exception {
        HttpResponse<String> r = LocalStack.send("POST", sync + "/sync", admin, Map.of("strategy", "ours"));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode result = LocalStack.JSON.readTree(r.body());
        assertThat(result.get("error").isNull()).as(r.body()).isTrue();
        return result;
    }

    private static boolean listening(int port) {
        try (Socket s = new Socket("127.0.0.1", port)) {
            return true;
        } catch (java.io.IOException e) {
            return false;
        }
    }

    /** Every event on meldtown.syncs, read from the beginning (waiting up to a minute for the newest to arrive). */
    private static List<JsonNode> syncEvents() throws Exception {
        Properties p = new Properties();
        p.putAll(stack.kafkaClient());
        p.put("key.deserializer", StringDeserializer.class.getName());
        p.put("value.deserializer", StringDeserializer.class.getName());
        List<JsonNode> out = new ArrayList<>();
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(p)) {
            List<TopicPartition> parts = c.partitionsFor("meldtown.syncs", Duration.ofSeconds(30)).stream()
                    .map(i -> new TopicPartition("meldtown.syncs", i.partition())).toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts, Duration.ofSeconds(30));
            long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
            while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp)) && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(500))) {
                    out.add(LocalStack.JSON.readTree(r.value()));
                }
            }
        }
        return out;
    }
}
