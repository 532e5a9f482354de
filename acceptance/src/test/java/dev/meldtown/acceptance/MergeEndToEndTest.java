package dev.meldtown.acceptance;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meldtown.testkit.Processes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 6 end to end, on one real stack ({@code bin/stack up} in a temporary stack directory on free ports):
 * users push local {@code file://} replicas to the hub with {@code bin/meldtown meld}, the merge-service running in
 * the stack melds them through the {@code hub} replica into every replica, both users pull back and read the same
 * document, conflicts show through the API; health and metrics; the service killed with SIGKILL in the middle of a
 * stream of commits and restarted by {@code bin/stack up}; and a second instance of the packaged service sharing
 * the partitions. Merges are asynchronous: every wait polls a condition against a deadline.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MergeEndToEndTest {
    static final Duration CONVERGE = Duration.ofMinutes(3);
    static final String MERGE_GROUP = "meldtown-merge";

    @TempDir
    static Path stackDir;
    static LocalStack stack;
    static Path work;
    static String writer;
    static String reader;
    static LocalStack.Instance second;

    @BeforeAll
    static void up() throws Exception {
        stack = LocalStack.up(stackDir);
        assertThat(stack.upExitCode).as(stack.upOutput).isZero();
        work = Files.createDirectories(stackDir.resolve("users"));
        writer = stack.token("acme", "writer");
        reader = stack.token("acme", "reader");
    }

    @AfterAll
    static void down() throws Exception {
        if (stack != null) {
            stack.down();
        }
    }

    // ------------------------------------------------------------------ two users, one hub

    @Test
    @Order(1)
    void twoUsersPushTheServiceMeldsEveryReplicaAndBothPullIdenticalDocumentsWithBothEdits() throws Exception {
        write("a0.json", "{\"title\":\"Groceries\",\"items\u266D\":[{\"_id\":\"milk\",\"title\":\"Buy milk\"}]}");
        ok(cli("update", "-t", local("alice"), "-j", "a0.json", "-a", "alice"));
        ok(cli("meld", "-s", local("alice"), "-t", hub("todo", "alice")));
        JsonNode first = read(local("alice"));
        // nobody asked for a meld: the merge-service brought alice's block into the hub replica
        assertThat(await(() -> first.equals(document("todo", "hub"))))
                .as("hub replica of acme/todo reads alice's document").isTrue();

        // bob starts from the hub, then both edit offline
        ok(cli("meld", "-s", hub("todo", "hub"), "-t", local("bob")));
        assertThat(read(local("bob"))).isEqualTo(first);
        write("a1.json", "{\"title\":\"Groceries\",\"items\u266D\":[{\"_id\":\"milk\",\"title\":\"Buy milk\"},{\"_id\":\"bread\",\"title\":\"Bread\"}]}");
        write("b1.json", "{\"title\":\"Groceries\",\"items\u266D\":[{\"_id\":\"milk\",\"title\":\"Buy milk\"},{\"_id\":\"eggs\",\"title\":\"Eggs\"}]}");
        ok(cli("update", "-t", local("alice"), "-j", "a1.json", "-a", "alice"));
        ok(cli("update", "-t", local("bob"), "-j", "b1.json", "-a", "bob"));
        ok(cli("meld", "-s", local("alice"), "-t", hub("todo", "alice")));
        ok(cli("meld", "-s", local("bob"), "-t", hub("todo", "bob")));

        // each user's hub replica receives the other's edit through the hub
        assertThat(await(() -> {
            JsonNode h = document("todo", "hub");
            return ids(h).containsAll(List.of("milk", "bread", "eggs"))
                    && h.equals(document("todo", "alice")) && h.equals(document("todo", "bob"));
        })).as("hub, alice and bob replicas converge with both edits").isTrue();

        ok(cli("meld", "-s", hub("todo", "alice"), "-t", local("alice")));
        ok(cli("meld", "-s", hub("todo", "bob"), "-t", local("bob")));
        JsonNode alice = read(local("alice"));
        JsonNode bob = read(local("bob"));
        assertThat(bob).isEqualTo(alice);
        assertThat(ids(alice)).containsExactlyInAnyOrder("milk", "bread", "eggs");
        assertThat(alice.get("title").asText()).isEqualTo("Groceries");
        assertThat(alice).isEqualTo(document("todo", "hub"));
    }

    @Test
    @Order(2)
    void aConcurrentEditOfOneObjectShowsAsAConflictThroughTheApiAndBothStillReadTheSame() throws Exception {
        write("a2.json", "{\"title\":\"Groceries\",\"items\u266D\":[{\"_id\":\"milk\",\"title\":\"Buy oat milk\"},"
                + "{\"_id\":\"bread\",\"title\":\"Bread\"},{\"_id\":\"eggs\",\"title\":\"Eggs\"}]}");
        write("b2.json", "{\"title\":\"Groceries\",\"items\u266D\":[{\"_id\":\"milk\",\"title\":\"Buy 2 l of milk\"},"
                + "{\"_id\":\"bread\",\"title\":\"Bread\"},{\"_id\":\"eggs\",\"title\":\"Eggs\"}]}");
        ok(cli("update", "-t", local("alice"), "-j", "a2.json", "-a", "alice"));
        ok(cli("update", "-t", local("bob"), "-j", "b2.json", "-a", "bob"));
        ok(cli("meld", "-s", local("alice"), "-t", hub("todo", "alice")));
        ok(cli("meld", "-s", local("bob"), "-t", hub("todo", "bob")));

        String conflicts = base("todo") + "/replicas/hub/conflicts";
        assertThat(await(() -> conflictOn(getJson(conflicts), "milk") != null
                && document("todo", "hub").equals(document("todo", "alice"))
                && document("todo", "hub").equals(document("todo", "bob"))))
                .as("the hub reports the conflict on milk and every replica converged").isTrue();
        JsonNode milk = conflictOn(getJson(conflicts), "milk");
        Set<String> titles = new HashSet<>();
        titles.add(milk.get("winner").toString());
        milk.get("others").forEach(o -> titles.add(o.toString()));
        assertThat(milk.get("others")).hasSize(1);
        assertThat(String.join(" ", titles)).contains("Buy oat milk").contains("Buy 2 l of milk");
        // the policy is keep: the conflict stays, and fans out to the users' replicas too
        assertThat(conflictOn(getJson(base("todo") + "/replicas/alice/conflicts"), "milk")).isEqualTo(milk);
        assertThat(conflictOn(getJson(base("todo") + "/replicas/bob/conflicts"), "milk")).isEqualTo(milk);

        ok(cli("meld", "-s", hub("todo", "alice"), "-t", local("alice")));
        ok(cli("meld", "-s", hub("todo", "bob"), "-t", local("bob")));
        JsonNode alice = read(local("alice"));
        assertThat(read(local("bob"))).isEqualTo(alice);
        String winner = alice.get("items\u266D").findValuesAsText("title").stream().filter(t -> t.contains("milk")).findFirst().orElseThrow();
        assertThat(milk.get("winner").toString()).contains(winner);
        Processes.Result listed = ok(cli("conflicts", "-s", local("bob")));
        assertThat(listed.stdout()).contains("milk:").contains("Buy oat milk").contains("Buy 2 l of milk");
        assertThat(ok(cli("conflicts", "-s", local("alice"))).stdout()).isEqualTo(listed.stdout());

        // a reader token reads conflicts but may not write
        HttpResponse<String> refused = LocalStack.post(base("todo") + "/replicas/hub/commits", reader,
                Map.of("document", Map.of("title", "nope")));
        assertThat(refused.statusCode()).isEqualTo(403);
    }

    @Test
    @Order(3)
    void healthAndMetricsShowTheMeldsDurationCopiedBytesAndLag() throws Exception {
        String merge = stack.get("MERGE_SERVICE_URL");
        HttpResponse<String> ready = LocalStack.get(merge + "/q/health/ready", null);
        assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);
        JsonNode health = LocalStack.JSON.readTree(ready.body());
        assertThat(health.get("status").asText()).isEqualTo("UP");
        assertThat(health.get("checks").findValuesAsText("name")).contains("S3 bucket meldtown", "Kafka connection health check");
        assertThat(LocalStack.get(merge + "/q/health/live", null).statusCode()).isEqualTo(200);

        // every block so far has been processed: the lag drains to zero
        assertThat(await(() -> metric(metrics(merge), "meldtown_merge_consumer_lag", "") == 0.0)).isTrue();
        String body = metrics(merge);
        assertThat(body).contains("# TYPE meldtown_merge_meld_duration_seconds summary");
        // 5 blocks (alice's first, then two per round) each meld into the hub and out to the other replicas
        assertThat(metric(body, "meldtown_merge_meld_duration_seconds_count", "")).isGreaterThanOrEqualTo(10);
        assertThat(metric(body, "meldtown_merge_meld_duration_seconds_sum", "")).isGreaterThan(0);
        assertThat(metric(body, "meldtown_merge_meld_duration_seconds", "quantile=\"0.99\"")).isGreaterThan(0);
        assertThat(metric(body, "meldtown_merge_copied_bytes_total", "")).isGreaterThan(0);
        assertThat(metric(body, "meldtown_merge_copied_files_total", "")).isGreaterThanOrEqualTo(10);
        assertThat(metric(body, "meldtown_merge_events_total", "outcome=\"completed\"")).isGreaterThanOrEqualTo(5);
        assertThat(metric(body, "meldtown_merge_events_total", "outcome=\"dead-lettered\"")).isZero();
    }

    // ------------------------------------------------------------------ crash safety

    @Test
    @Order(4)
    void killedWithSigkillInTheMiddleOfAStreamOfCommitsAndRestartedEveryReplicaConvergesAndNoBlockIsLost() throws Exception {
        String doc = "stream";
        List<String> replicas = List.of("r1", "r2", "r3");
        int perReplica = 10;
        List<String> committed = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger count = new AtomicInteger();
        // Writers hold back their second half until the kill, so the kill always lands mid-stream however fast or slow
        // the machine is (on a slow CI machine all 30 commits once finished before the first meld reached the hub).
        CountDownLatch killed = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(replicas.size());
        List<Future<?>> writers = new ArrayList<>();
        for (String replica : replicas) {
            writers.add(pool.submit(() -> {
                for (int n = 1; n <= perReplica; n++) {
                    if (n == perReplica / 2 + 1 && !killed.await(CONVERGE.toSeconds(), TimeUnit.SECONDS)) {
                        throw new IllegalStateException("the merge-service was never killed");
                    }
                    committed.add(commitOwnItem(doc, replica, n));
                    count.incrementAndGet();
                }
                return null;
            }));
        }
        pool.shutdown();

        // SIGKILL once the service is at work on this stream (its hub replica exists) and while commits still flow
        Path pidFile = stack.dir.resolve("run/merge-service.pid");
        long pid = Long.parseLong(Files.readString(pidFile).trim());
        Map<String, String> pidsBefore = stack.pids();
        assertThat(await(() -> count.get() >= 6 && !log(doc, "hub").isEmpty())).as("the service melds the stream").isTrue();
        ProcessHandle service = ProcessHandle.of(pid).orElseThrow();
        assertThat(service.destroyForcibly()).isTrue();
        service.onExit().get(30, TimeUnit.SECONDS);
        int atKill = count.get();
        killed.countDown();
        assertThat(service.isAlive()).isFalse();
        assertThat(atKill).as("killed in the middle of the stream").isLessThan(replicas.size() * perReplica);
        for (Future<?> f : writers) {
            f.get(5, TimeUnit.MINUTES); // block-store keeps accepting commits while the merge-service is down
        }
        assertThat(committed).hasSize(replicas.size() * perReplica).doesNotHaveDuplicates();
        System.out.println("stream: " + STALE_READS.get() + " commits read the document again after a 412 (a meld came in between)");

        // bin/stack up restarts exactly what is not running
        Processes.Result up = stack.stack("up");
        assertThat(up.exitCode()).as(up.stdout() + up.stderr()).isZero();
        assertThat(up.stdout() + up.stderr()).contains("starting merge-service").contains("block-store-service already running")
                .contains("kafka already running");
        Map<String, String> pidsAfter = stack.pids();
        assertThat(pidsAfter.keySet()).isEqualTo(pidsBefore.keySet());
        for (String component : pidsBefore.keySet()) {
            if (component.equals("merge-service.pid")) {
                assertThat(pidsAfter.get(component)).isNotEqualTo(pidsBefore.get(component));
                assertThat(ProcessHandle.of(Long.parseLong(pidsAfter.get(component))).map(ProcessHandle::isAlive)).contains(true);
            } else {
                assertThat(pidsAfter.get(component)).as(component).isEqualTo(pidsBefore.get(component));
            }
        }

        // every committed block reaches the hub and every replica; all read the same
        assertThat(await(Duration.ofMinutes(4), () -> {
            if (!deltas(doc, "hub").containsAll(committed)) {
                return false;
            }
            JsonNode h = document(doc, "hub");
            for (String r : replicas) {
                if (!deltas(doc, r).containsAll(committed) || !h.equals(document(doc, r))) {
                    return false;
                }
            }
            return true;
        })).as("after the restart every replica of acme/stream converges with all %d committed blocks", committed.size()).isTrue();
        Set<String> hubBlocks = new HashSet<>(log(doc, "hub"));
        assertThat(hubBlocks).containsAll(committed);
        String hubRead = ok(cli("read", "-s", hub(doc, "hub"))).stdout();
        assertThat(hubRead).contains("\"r1\"");
        for (String r : replicas) {
            assertThat(ok(cli("read", "-s", hub(doc, r))).stdout()).as("read of " + r).isEqualTo(hubRead);
            assertThat(new HashSet<>(log(doc, r))).as("blocks of " + r).isEqualTo(hubBlocks);
        }
        assertThat(await(() -> metric(metrics(stack.get("MERGE_SERVICE_URL")), "meldtown_merge_consumer_lag", "") == 0.0)).isTrue();
    }

    /**
     * One commit of a stream: the replica's current document with its own item set to n, committed on the server if the
     * document is still the one read (a meld into the replica in between makes it read again).
     */
    /** Commits of the stream refused (412) because a meld changed the replica after the writer's read. */
    private static final AtomicInteger STALE_READS = new AtomicInteger();

    private static String commitOwnItem(String doc, String replica, int n) throws Exception {
        for (int attempt = 1; ; attempt++) {
            HttpResponse<String> current = LocalStack.get(base(doc) + "/replicas/" + replica + "/document", writer);
            ObjectNode d = current.statusCode() == 200 ? (ObjectNode) LocalStack.JSON.readTree(current.body()) : LocalStack.JSON.createObjectNode();
            d.remove("_id");
            d.put("title", "stream");
            ObjectNode mine = LocalStack.ownItem(d, replica);
            mine.put("n", n);
            HttpResponse<String> r = LocalStack.send("POST", base(doc) + "/replicas/" + replica + "/commits", writer,
                    Map.of("document", d, "author", replica, "description", replica + " #" + n), Duration.ofSeconds(60),
                    LocalStack.unchangedSince(current));
            if (r.statusCode() == 412 && attempt < 100) {
                // a meld reached the replica after the read (or the read state was behind, which this refusal repaired)
                STALE_READS.incrementAndGet();
                Thread.sleep(10L * Math.min(attempt, 10));
                continue;
            }
            if (r.statusCode() != 201) {
                throw new IllegalStateException("commit " + replica + " #" + n + " answered " + r.statusCode() + ": " + r.body());
            }
            return LocalStack.JSON.readTree(r.body()).get("block").asText();
        }
    }

    // ------------------------------------------------------------------ two instances

    @Test
    @Order(5)
    void aSecondInstanceInTheConsumerGroupTakesSomePartitionsAndEveryDocumentStillConverges() throws Exception {
        // stands on its own: whatever an earlier test left behind, the stack's own instance runs first
        Processes.Result up = stack.stack("up");
        assertThat(up.exitCode()).as(up.stdout() + up.stderr()).isZero();
        second = stack.startInstance("merge-service", 2);
        String secondUrl = second.url();
        String firstUrl = stack.get("MERGE_SERVICE_URL");
        long firstPid = Long.parseLong(Files.readString(stack.dir.resolve("run/merge-service.pid")).trim());

        try (Admin admin = Admin.create(stack.kafkaClient())) {
            int partitions = admin.describeTopics(List.of("meldtown.blocks")).allTopicNames().get(30, TimeUnit.SECONDS)
                    .get("meldtown.blocks").partitions().size();
            assertThat(partitions).isGreaterThanOrEqualTo(2);
            Map<String, Set<TopicPartition>> byClient = new LinkedHashMap<>();
            assertThat(await(() -> {
                byClient.clear();
                ConsumerGroupDescription g = admin.describeConsumerGroups(List.of(MERGE_GROUP)).all().get(30, TimeUnit.SECONDS)
                        .get(MERGE_GROUP);
                for (MemberDescription m : g.members()) {
                    byClient.computeIfAbsent(m.clientId(), k -> new HashSet<>()).addAll(m.assignment().topicPartitions());
                }
                return byClient.size() == 2 && byClient.values().stream().noneMatch(Set::isEmpty);
            })).as("two members with partitions: %s", byClient).isTrue();
            assertThat(byClient.keySet()).containsExactlyInAnyOrder("meldtown-merge-" + firstPid, "meldtown-merge-" + second.process().pid());
            Set<TopicPartition> all = new HashSet<>();
            for (Set<TopicPartition> owned : byClient.values()) {
                for (TopicPartition tp : owned) {
                    assertThat(all.add(tp)).as("%s owned twice", tp).isTrue();
                }
            }
            Set<TopicPartition> expected = new HashSet<>();
            for (int p = 0; p < partitions; p++) {
                expected.add(new TopicPartition("meldtown.blocks", p));
                expected.add(new TopicPartition("meldtown.merges", p));
            }
            assertThat(all).isEqualTo(expected);
            // co-partitioned: partition n of both topics goes to the same instance (one writer per document)
            for (Set<TopicPartition> owned : byClient.values()) {
                for (TopicPartition tp : owned) {
                    assertThat(owned).contains(new TopicPartition(tp.topic().equals("meldtown.blocks") ? "meldtown.merges" : "meldtown.blocks",
                            tp.partition()));
                }
            }

            // two documents on every partition, so both instances have work
            List<String> docs = new ArrayList<>();
            for (int p = 0; p < partitions; p++) {
                int found = 0;
                for (int i = 0; found < 2; i++) {
                    String doc = "shared-" + i;
                    if (!docs.contains(doc) && partitionOf("acme/" + doc, partitions) == p) {
                        docs.add(doc);
                        found++;
                    }
                }
            }
            double firstBefore = metric(metrics(firstUrl), "meldtown_merge_events_total", "outcome=\"completed\"");
            double secondBefore = metric(metrics(secondUrl), "meldtown_merge_events_total", "outcome=\"completed\"");
            Map<String, List<String>> blocks = new LinkedHashMap<>();
            for (String doc : docs) {
                blocks.put(doc, new ArrayList<>());
                for (String replica : List.of("x", "y")) {
                    HttpResponse<String> r = LocalStack.post(base(doc) + "/replicas/" + replica + "/commits", writer, Map.of(
                            "document", Map.of("items\u266D", List.of(Map.of("_id", replica, "doc", doc))), "author", replica));
                    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
                    blocks.get(doc).add(LocalStack.JSON.readTree(r.body()).get("block").asText());
                }
            }
            assertThat(await(CONVERGE, () -> {
                for (String doc : docs) {
                    JsonNode h = document(doc, "hub");
                    if (!log(doc, "hub").containsAll(blocks.get(doc)) || !h.equals(document(doc, "x")) || !h.equals(document(doc, "y"))) {
                        return false;
                    }
                }
                return true;
            })).as("every document converges with two instances").isTrue();
            for (String doc : docs) {
                assertThat(ids(document(doc, "hub"))).as(doc).containsExactlyInAnyOrder("x", "y");
            }
            double firstDid = metric(metrics(firstUrl), "meldtown_merge_events_total", "outcome=\"completed\"") - firstBefore;
            double secondDid = metric(metrics(secondUrl), "meldtown_merge_events_total", "outcome=\"completed\"") - secondBefore;
            assertThat(firstDid).as("melds by the stack's instance").isGreaterThan(0);
            assertThat(secondDid).as("melds by the second instance").isGreaterThan(0);
            // each block event was processed by exactly one of them
            assertThat(firstDid + secondDid).isEqualTo(docs.size() * 2.0);
        } finally {
            second.stop();
            assertThat(second.process().isAlive()).isFalse();
        }
    }

    /** The partition Kafka's default partitioner picks for a record key. */
    private static int partitionOf(String key, int partitions) {
        return Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % partitions;
    }

    // ------------------------------------------------------------------ helpers

    private static String base(String doc) {
        return stack.get("BLOCK_STORE_URL") + "/v1/tenants/acme/docs/" + doc;
    }

    private static String hub(String doc, String replica) {
        return base(doc) + "/replicas/" + replica;
    }

    private static String local(String user) {
        return "file://" + work.resolve(user);
    }

    private static void write(String name, String json) throws IOException {
        Files.writeString(work.resolve(name), json);
    }

    private static Processes.Result cli(String... args) {
        return LocalStack.meldtown(work, stack.cliEnv(writer), args);
    }

    private static Processes.Result ok(Processes.Result r) {
        assertThat(r.exitCode()).as(r.stdout() + r.stderr()).isZero();
        return r;
    }

    private static JsonNode read(String url) throws IOException {
        return LocalStack.JSON.readTree(ok(cli("read", "-s", url)).stdout());
    }

    private static JsonNode getJson(String url) {
        try {
            return LocalStack.getJson(url, reader);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static JsonNode document(String doc, String replica) {
        return getJson(base(doc) + "/replicas/" + replica + "/document");
    }

    private static List<String> log(String doc, String replica) {
        List<String> blocks = new ArrayList<>();
        getJson(base(doc) + "/replicas/" + replica + "/log").forEach(e -> blocks.add(e.get("block").asText()));
        return blocks;
    }

    /** The blocks whose {@code .delta} is stored in a replica, through the files listing (paginated). */
    private static Set<String> deltas(String doc, String replica) {
        Set<String> out = new HashSet<>();
        String after = null;
        do {
            JsonNode page = getJson(base(doc) + "/replicas/" + replica + "/files?suffix=.delta&limit=1000"
                    + (after == null ? "" : "&startAfter=" + after));
            page.get("keys").forEach(k -> out.add(k.asText().replace(".delta", "")));
            after = page.get("next").isNull() ? null : page.get("next").asText();
        } while (after != null);
        return out;
    }

    private static List<String> ids(JsonNode document) {
        return document.path("items\u266D").findValuesAsText("_id");
    }

    private static JsonNode conflictOn(JsonNode conflicts, String object) {
        for (JsonNode c : conflicts) {
            if (object.equals(c.path("object").asText())) {
                return c;
            }
        }
        return null;
    }

    private static String metrics(String serviceUrl) {
        try {
            HttpResponse<String> r = LocalStack.get(serviceUrl + "/q/metrics", null);
            assertThat(r.statusCode()).isEqualTo(200);
            return r.body();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The value of a Prometheus sample whose labels contain {@code labels} (any labels when empty). */
    static double metric(String body, String name, String labels) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "(\\{([^}]*)\\})? ([0-9.eE+-]+|NaN)$").matcher(body);
        while (m.find()) {
            if (labels.isEmpty() || (m.group(2) != null && m.group(2).contains(labels))) {
                return Double.parseDouble(m.group(3));
            }
        }
        throw new AssertionError("no sample " + name + "{" + labels + "} in /q/metrics:\n" + body);
    }

    private static boolean await(LocalStack.Check condition) throws InterruptedException {
        return await(CONVERGE, condition);
    }

    private static boolean await(Duration timeout, LocalStack.Check condition) throws InterruptedException {
        return LocalStack.await(timeout, () -> {
            try {
                return condition.holds();
            } catch (Exception e) {
                return false;
            }
        });
    }
}
