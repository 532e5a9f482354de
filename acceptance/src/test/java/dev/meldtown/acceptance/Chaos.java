package dev.meldtown.acceptance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meldtown.testkit.Processes;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * A Jepsen-style run against one real stack: a mixed load (server-side commits from several writers, pushes through
 * {@code bin/meldtown}, melds, writes in the Dolt towns and syncs between them, synchronous and asynchronous) while a
 * nemesis kills (SIGKILL) or pauses (SIGSTOP/SIGCONT) a random service, S3, Kafka or a town every few seconds and brings
 * it back. Afterwards it heals the stack and checks the invariants: every acknowledged commit is in the hub and every
 * replica reads the same; every acknowledged sync has its event; no town is left merging or dirty; no event id was
 * emitted twice with different content.
 */
final class Chaos {
    static final String DOC = "chaos";
    static final List<String> WRITERS = List.of("w1", "w2", "w3");
    static final List<String> COMPONENTS = List.of("kafka", "s3", "town-north", "town-south", "block-store-service",
            "merge-service", "sync-orchestrator");
    static final List<String> TOPICS = List.of("meldtown.blocks", "meldtown.merges", "meldtown.syncs");

    /** One line of the final table. */
    record Check(String name, boolean passed, String detail) {
    }

    /** What the run did and found. */
    record Report(Duration duration, Map<String, Integer> counters, List<String> faults, List<Check> checks) {
        boolean passed() {
            return checks.stream().allMatch(Check::passed);
        }

        String table() {
            StringBuilder b = new StringBuilder();
            b.append(String.format("chaos run: %d s, %d faults injected%n", duration.toSeconds(), faults.size()));
            b.append(String.format("%-28s %8s%n", "operation", "count"));
            counters.forEach((k, v) -> b.append(String.format("%-28s %8d%n", k, v)));
            b.append(String.format("%n%-56s %-6s %s%n", "invariant", "result", "detail"));
            for (Check c : checks) {
                b.append(String.format("%-56s %-6s %s%n", c.name(), c.passed() ? "PASS" : "FAIL", c.detail()));
            }
            b.append("faults: ").append(String.join(", ", faults)).append('\n');
            return b.toString();
        }
    }

    private final LocalStack stack;
    private final Duration length;
    private final Random random;
    private final String admin;
    private final String writer;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Map<String, AtomicInteger> counters = new ConcurrentHashMap<>();
    /** Acknowledged blocks (201 from a commit, or exit 0 of a CLI push), by the replica that took them. */
    private final Map<String, Set<String>> ackedBlocks = new ConcurrentHashMap<>();
    /** Acknowledged synchronous syncs: town/peer/startTime. */
    private final Set<String> ackedSyncs = ConcurrentHashMap.newKeySet();
    /** Acknowledged asynchronous syncs: requestId. */
    private final Set<String> ackedAsyncSyncs = ConcurrentHashMap.newKeySet();
    private final List<String> faults = Collections.synchronizedList(new ArrayList<>());
    private final Path work;

    Chaos(LocalStack stack, Duration length, long seed) throws Exception {
        this.stack = stack;
        this.length = length;
        this.random = new Random(seed);
        this.admin = stack.token("acme", "admin");
        this.writer = stack.token("acme", "writer");
        this.work = Files.createDirectories(stack.dir.resolve("chaos-work"));
    }

    Report run() throws Exception {
        stack.registerTowns(admin);
        Instant start = Instant.now();
        ExecutorService pool = Executors.newCachedThreadPool();
        List<java.util.concurrent.Future<?>> load = new ArrayList<>();
        for (String w : WRITERS) {
            load.add(pool.submit(() -> loop(() -> commit(w), 300)));
        }
        load.add(pool.submit(() -> loop(this::push, 2_000)));
        load.add(pool.submit(() -> loop(this::meld, 1_500)));
        load.add(pool.submit(() -> loop(this::townWriteAndSync, 2_000)));
        java.util.concurrent.Future<?> nemesis = pool.submit(() -> loop(this::fault, 0));

        Thread.sleep(length.toMillis());
        running.set(false);
        nemesis.get(3, TimeUnit.MINUTES);
        for (var f : load) {
            f.get(3, TimeUnit.MINUTES);
        }
        pool.shutdown();
        Duration ran = Duration.between(start, Instant.now());

        heal();
        List<Check> checks = new ArrayList<>();
        checks.add(checkCommits());
        checks.add(checkSyncEvents());
        checks.add(checkTowns());
        checks.add(checkEventIds());
        Map<String, Integer> counts = new java.util.TreeMap<>();
        counters.forEach((k, v) -> counts.put(k, v.get()));
        return new Report(ran, counts, List.copyOf(faults), checks);
    }

    // ------------------------------------------------------------------ load

    @FunctionalInterface
    interface Step {
        void run() throws Exception;
    }

    private void loop(Step step, long pauseMillis) {
        while (running.get()) {
            try {
                step.run();
            } catch (Exception e) {
                count("error:" + e.getClass().getSimpleName());
            }
            sleep(pauseMillis);
        }
    }

    private void count(String what) {
        counters.computeIfAbsent(what, k -> new AtomicInteger()).incrementAndGet();
    }

    private String base() {
        return stack.get("BLOCK_STORE_URL") + "/v1/tenants/acme/docs/" + DOC;
    }

    /**
     * A server-side commit of this writer's own item, incremented, if the document is still the one read (412 when a
     * meld changed it in between: read again, a few times).
     */
    private void commit(String replica) throws Exception {
        for (int attempt = 1; attempt <= 5; attempt++) {
            HttpResponse<String> current = send("GET", base() + "/replicas/" + replica + "/document", writer, null);
            ObjectNode d;
            if (current.statusCode() == 200) {
                d = (ObjectNode) LocalStack.JSON.readTree(current.body());
            } else if (current.statusCode() == 404 && !ackedBlocks.containsKey(replica)) {
                d = LocalStack.JSON.createObjectNode();
            } else {
                count("commit:read-" + current.statusCode());
                return;
            }
            d.remove("_id");
            ObjectNode mine = LocalStack.ownItem(d, replica);
            mine.put("n", mine.path("n").asInt() + 1);
            HttpResponse<String> r = LocalStack.send("POST", base() + "/replicas/" + replica + "/commits", writer,
                    Map.of("document", d, "author", replica), Duration.ofSeconds(20), LocalStack.unchangedSince(current));
            count("commit:" + r.statusCode());
            if (r.statusCode() == 201) {
                ackedBlocks.computeIfAbsent(replica, k -> ConcurrentHashMap.newKeySet())
                        .add(LocalStack.JSON.readTree(r.body()).get("block").asText());
            }
            if (r.statusCode() != 412) {
                return;
            }
        }
    }

    private int pushes;

    /** A user edits a local file:// replica and pushes it to the hub with bin/meldtown meld. */
    private void push() throws Exception {
        pushes++;
        Path json = work.resolve("push.json");
        Files.writeString(json, "{\"title\":\"chaos\",\"items\u266D\":[{\"_id\":\"cli\",\"n\":" + pushes + "}]}");
        Map<String, String> env = stack.cliEnv(writer);
        String local = "file://" + work.resolve("local");
        Processes.Result u = LocalStack.meldtown(work, env, "update", "-t", local, "-j", json.toString(), "-a", "cli");
        if (u.exitCode() != 0) {
            count("push:update-failed");
            return;
        }
        Processes.Result m = LocalStack.meldtown(work, env, "meld", "-s", local, "-t", base() + "/replicas/cli");
        count("push:" + (m.exitCode() == 0 ? "ok" : "failed"));
        if (m.exitCode() == 0) {
            Processes.Result log = LocalStack.meldtown(work, env, "log", "-s", local);
            Set<String> blocks = ackedBlocks.computeIfAbsent("cli", k -> ConcurrentHashMap.newKeySet());
            java.util.regex.Matcher block = java.util.regex.Pattern.compile("Block: ([0-9a-f]{64})").matcher(log.stdout());
            while (block.find()) {
                blocks.add(block.group(1));
            }
        }
    }

    /** A meld requested through the API between two writers' replicas. */
    private void meld() throws Exception {
        String source = WRITERS.get(random.nextInt(WRITERS.size()));
        String target;
        do {
            target = WRITERS.get(random.nextInt(WRITERS.size()));
        } while (target.equals(source));
        if (!ackedBlocks.containsKey(source)) {
            return;
        }
        HttpResponse<String> r = send("POST", base() + "/replicas/" + target + "/meld", writer, Map.of("source", source));
        count("meld:" + r.statusCode());
    }

    private int rows;

    /** A row committed in a town over SQL, then a sync between the towns (every other one asynchronous). */
    private void townWriteAndSync() throws Exception {
        rows++;
        String town = rows % 2 == 0 ? "north" : "south";
        try (Connection c = sql(town); Statement s = c.createStatement()) {
            s.execute("INSERT INTO issues (id, title) VALUES ('bd-chaos-" + rows + "', 'chaos " + town + "')");
            s.execute("CALL DOLT_COMMIT('-Am', 'chaos row " + rows + "')");
            count("town-commit:ok");
        } catch (Exception e) {
            count("town-commit:failed");
        }
        boolean async = rows % 4 < 2;
        String url = stack.get("SYNC_ORCHESTRATOR_URL") + "/v1/tenants/acme/towns/south/peers/north/sync" + (async ? "?async=true" : "");
        HttpResponse<String> r = send("POST", url, writer, Map.of("strategy", "ours"));
        count((async ? "sync-async:" : "sync:") + r.statusCode());
        if (r.statusCode() == 200 && !async) {
            JsonNode result = LocalStack.JSON.readTree(r.body());
            ackedSyncs.add(result.path("town").asText() + "/" + result.path("peer").asText() + "/" + result.path("startTime").asText());
        } else if (r.statusCode() == 202 && async) {
            ackedAsyncSyncs.add(LocalStack.JSON.readTree(r.body()).get("requestId").asText());
        }
    }

    // ------------------------------------------------------------------ nemesis

    private void fault() throws Exception {
        sleep(3_000 + random.nextInt(4_000));
        if (!running.get()) {
            return;
        }
        String component = COMPONENTS.get(random.nextInt(COMPONENTS.size()));
        String pid = Files.readString(stack.dir.resolve("run/" + component + ".pid")).trim();
        if (random.nextBoolean()) {
            faults.add("kill " + component);
            signal("KILL", pid);
            sleep(1_000 + random.nextInt(3_000));
            Processes.Result up = stack.stack("up");
            count(up.exitCode() == 0 ? "nemesis:restarted" : "nemesis:restart-failed");
        } else {
            faults.add("pause " + component);
            signal("STOP", pid);
            sleep(2_000 + random.nextInt(4_000));
            signal("CONT", pid);
        }
        count("nemesis:" + component);
    }

    private static void signal(String signal, String pid) throws Exception {
        new ProcessBuilder("kill", "-s", signal, pid).inheritIO().start().waitFor(10, TimeUnit.SECONDS);
    }

    /** Brings every component back (SIGCONT to all, then bin/stack up) before the checks. */
    private void heal() throws Exception {
        for (String component : COMPONENTS) {
            Path f = stack.dir.resolve("run/" + component + ".pid");
            if (Files.exists(f)) {
                signal("CONT", Files.readString(f).trim());
            }
        }
        Processes.Result up = stack.stack("up");
        if (up.exitCode() != 0) {
            throw new IllegalStateException("bin/stack up after the run failed: " + up.stdout() + up.stderr());
        }
    }

    // ------------------------------------------------------------------ checks

    private Check checkCommits() throws Exception {
        Set<String> all = new HashSet<>();
        ackedBlocks.values().forEach(all::addAll);
        List<String> replicas = new ArrayList<>(ackedBlocks.keySet());
        replicas.add("hub");
        String[] missing = {""};
        boolean converged = LocalStack.await(Duration.ofMinutes(5), () -> {
            try {
                Set<String> hub = log("hub");
                Set<String> lacking = new HashSet<>(all);
                lacking.removeAll(hub);
                if (!lacking.isEmpty()) {
                    missing[0] = lacking.size() + " acknowledged blocks not in the hub";
                    return false;
                }
                JsonNode h = LocalStack.getJson(base() + "/replicas/hub/document", writer);
                for (String r : replicas) {
                    if (!h.equals(LocalStack.getJson(base() + "/replicas/" + r + "/document", writer))) {
                        missing[0] = "replica " + r + " reads differently from the hub";
                        return false;
                    }
                }
                return true;
            } catch (Exception e) {
                missing[0] = e.getMessage();
                return false;
            }
        });
        return new Check("every acknowledged commit is in the hub; replicas equal", converged,
                converged ? all.size() + " acknowledged blocks, " + replicas.size() + " replicas read the same"
                        : missing[0] + diagnose(all));
    }

    private Set<String> log(String replica) throws Exception {
        Set<String> blocks = new HashSet<>();
        for (JsonNode e : LocalStack.getJson(base() + "/replicas/" + replica + "/log", writer)) {
            blocks.add(e.get("block").asText());
        }
        return blocks;
    }

    /** Where the blocks missing from the hub got lost: in their own replica? announced? dead-lettered (and why)? */
    private String diagnose(Set<String> acknowledged) {
        try {
            Set<String> lacking = new HashSet<>(acknowledged);
            lacking.removeAll(log("hub"));
            if (lacking.isEmpty()) {
                return "";
            }
            int inOwnReplica = 0;
            for (var e : ackedBlocks.entrySet()) {
                Set<String> own = log(e.getKey());
                inOwnReplica += (int) e.getValue().stream().filter(lacking::contains).filter(own::contains).count();
            }
            Set<String> announced = new HashSet<>();
            for (ConsumerRecord<String, String> r : events("meldtown.blocks")) {
                JsonNode e = LocalStack.JSON.readTree(r.value());
                if (e.path("type").asText().equals("dev.meldtown.block.committed")) {
                    announced.add(e.path("data").path("block").asText());
                }
            }
            Map<String, Integer> dlq = new java.util.TreeMap<>();
            for (ConsumerRecord<String, String> r : events("meldtown.merges.dlq")) {
                var category = r.headers().lastHeader("meldtown-dlq-category");
                dlq.merge(category == null ? "?" : new String(category.value(), java.nio.charset.StandardCharsets.UTF_8), 1, Integer::sum);
            }
            long lackingAnnounced = lacking.stream().filter(announced::contains).count();
            return String.format(" (%d in their own replica's log, %d announced on meldtown.blocks; meldtown.merges.dlq: %s; e.g. %s)",
                    inOwnReplica, lackingAnnounced, dlq, lacking.iterator().next());
        } catch (Exception e) {
            return " (diagnosis failed: " + e + ")";
        }
    }

    private Check checkSyncEvents() throws Exception {
        Set<String> lackingSync = new HashSet<>();
        Set<String> lackingAsync = new HashSet<>();
        boolean all = LocalStack.await(Duration.ofMinutes(3), () -> {
            try {
                Set<String> seen = new HashSet<>();
                Set<String> requestIds = new HashSet<>();
                for (ConsumerRecord<String, String> r : events("meldtown.syncs")) {
                    JsonNode e = LocalStack.JSON.readTree(r.value());
                    if (e.path("type").asText().equals("dev.meldtown.sync.completed")) {
                        JsonNode d = e.get("data");
                        seen.add(d.path("town").asText() + "/" + d.path("peer").asText() + "/" + d.path("startTime").asText());
                        requestIds.add(d.path("requestId").asText());
                    }
                }
                lackingSync.clear();
                lackingSync.addAll(ackedSyncs);
                lackingSync.removeAll(seen);
                lackingAsync.clear();
                lackingAsync.addAll(ackedAsyncSyncs);
                lackingAsync.removeAll(requestIds);
                return lackingSync.isEmpty() && lackingAsync.isEmpty();
            } catch (Exception e) {
                return false;
            }
        });
        return new Check("every acknowledged sync has its sync.completed", all,
                ackedSyncs.size() + " sync, " + ackedAsyncSyncs.size() + " async acknowledged"
                        + (all ? "" : "; without event: " + lackingSync.size() + " sync, " + lackingAsync.size() + " async"));
    }

    private Check checkTowns() {
        List<String> bad = new ArrayList<>();
        for (String town : List.of("north", "south")) {
            try (Connection c = sql(town); Statement s = c.createStatement()) {
                try (ResultSet r = s.executeQuery("SELECT COUNT(*) FROM dolt_status")) {
                    r.next();
                    if (r.getInt(1) != 0) {
                        bad.add(town + " has a dirty working set (" + r.getInt(1) + " tables)");
                    }
                }
                try (ResultSet r = s.executeQuery("SELECT is_merging FROM dolt_merge_status")) {
                    if (r.next() && r.getBoolean(1)) {
                        bad.add(town + " has a merge in progress");
                    }
                }
            } catch (Exception e) {
                bad.add(town + ": " + e.getMessage());
            }
        }
        return new Check("no town merging or dirty", bad.isEmpty(), bad.isEmpty() ? "north and south clean" : String.join("; ", bad));
    }

    private Check checkEventIds() throws Exception {
        Map<String, String> byId = new HashMap<>();
        List<String> conflicting = new ArrayList<>();
        int events = 0;
        int redelivered = 0;
        for (String topic : TOPICS) {
            for (ConsumerRecord<String, String> r : events(topic)) {
                events++;
                JsonNode e = LocalStack.JSON.readTree(r.value());
                String id = e.path("id").asText();
                String data = e.path("type").asText() + " " + e.path("data");
                String before = byId.putIfAbsent(id, data);
                if (before != null) {
                    redelivered++;
                    if (!before.equals(data)) {
                        conflicting.add(id);
                    }
                }
            }
        }
        return new Check("no event id emitted twice with different content", conflicting.isEmpty(),
                events + " events, " + redelivered + " repeated ids" + (conflicting.isEmpty() ? "" : ", conflicting: " + conflicting));
    }

    /** Every record of a topic, from the beginning to its current end. */
    private List<ConsumerRecord<String, String>> events(String topic) {
        Properties p = new Properties();
        p.putAll(stack.kafkaClient());
        p.put("key.deserializer", StringDeserializer.class.getName());
        p.put("value.deserializer", StringDeserializer.class.getName());
        List<ConsumerRecord<String, String>> out = new ArrayList<>();
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(p)) {
            List<TopicPartition> parts = c.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(i -> new TopicPartition(topic, i.partition())).toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts, Duration.ofSeconds(30));
            long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
            while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp)) && System.nanoTime() < deadline) {
                c.poll(Duration.ofMillis(500)).forEach(out::add);
            }
        }
        return out;
    }

    // ------------------------------------------------------------------ plumbing

    private HttpResponse<String> send(String method, String url, String token, Object body) throws Exception {
        return LocalStack.send(method, url, token, body, Duration.ofSeconds(20));
    }

    private Connection sql(String town) throws Exception {
        return stack.sql(town);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
