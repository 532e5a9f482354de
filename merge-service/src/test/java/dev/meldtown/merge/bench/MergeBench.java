package dev.meldtown.merge.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.meldtown.crdt.DeltaBlock;
import dev.meldtown.crdt.MemoryStorage;
import dev.meldtown.crdt.Replica;
import dev.meldtown.events.EventCodec;
import dev.meldtown.events.EventType;
import dev.meldtown.events.Payloads;
import dev.meldtown.events.Topics;
import dev.meldtown.model.ReplicaRef;
import dev.meldtown.service.BlockLog;
import dev.meldtown.storage.s3.BucketLayout;
import dev.meldtown.storage.s3.S3Storage;
import dev.meldtown.testkit.StackEnv;
import io.cloudevents.CloudEvent;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The merge-service against a running local stack ({@code bin/stack up}): it plays block-store-service (Melda files
 * written straight into the bucket with the crdt library, {@code block.committed} published on the real broker) and
 * watches {@code merge.completed} on {@code meldtown.merges}.
 * <ol>
 *   <li>latency from {@code block.committed} (the record's timestamp) to the {@code merge.completed} of the meld into
 *       the hub, and to the last result of the event (fan-out done), at a paced rate, p50 and p99;</li>
 *   <li>throughput: a burst of events over many documents, melds (merge.completed) per second;</li>
 *   <li>both with the stack's instance alone, then with a second packaged instance in the consumer group;</li>
 *   <li>one new block melded into a hub with 10 blocks of history against one with 10,000 (meld duration reported by
 *       the service in {@code durationMs}, median after warm-up).</li>
 * </ol>
 * Usage: {@code MergeBench ENV_FILE [latencyEvents] [burstEvents] [bigHistory]}.
 */
public final class MergeBench {
    private static final String TENANT = "bench";
    private static final String RUN = UUID.randomUUID().toString().substring(0, 6);

    private final Map<String, String> env;
    private final S3Client s3;
    private final String bucket;
    private final KafkaProducer<String, byte[]> producer;
    private final Map<String, List<Result>> results = new ConcurrentHashMap<>();
    private final AtomicBoolean watching = new AtomicBoolean(true);
    private final ExecutorService uploads = Executors.newFixedThreadPool(4);
    private final BlockLog blockLog;

    record Result(String target, long timestamp, long durationMs) {
    }

    /** A block prepared locally, uploaded to the writer replica, announced later. */
    record Block(String doc, String id, byte[] event) {
    }

    MergeBench(Map<String, String> env) {
        this.env = env;
        this.bucket = env.get("S3_BUCKET");
        this.s3 = S3Client.builder().endpointOverride(URI.create(env.get("S3_ENDPOINT"))).region(Region.US_EAST_1)
                .forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(env.get("S3_ACCESS_KEY"), env.get("S3_SECRET_KEY"))))
                // Apache's client, as the services use: the URL-connection client failed uploads under CPU load ("Error
                // writing request body to server"), before a loaded run could publish a single event
                .httpClient(ApacheHttpClient.builder().maxConnections(8).connectionTimeout(java.time.Duration.ofSeconds(5))
                        .socketTimeout(java.time.Duration.ofSeconds(60)).build()).build();
        this.blockLog = new BlockLog(s3, bucket);
        Map<String, Object> producerConfig = new java.util.HashMap<>(StackEnv.kafkaClientConfig(env));
        producerConfig.put("linger.ms", 0);
        this.producer = new KafkaProducer<>(producerConfig,
                new StringSerializer(), new ByteArraySerializer());
    }

    public static void main(String[] args) {
        int status = 1;
        try {
            run(args);
            status = 0;
        } catch (Exception e) {
            e.printStackTrace();
        } finally {
            System.exit(status); // the upload pool and Kafka clients must not keep a failed run alive
        }
    }

    private static void run(String[] args) throws Exception {
        Map<String, String> env = StackEnv.read(Path.of(args.length > 0 ? args[0] : ".stack/env"));
        int latencyEvents = args.length > 1 ? Integer.parseInt(args[1]) : 120;
        int burstEvents = args.length > 2 ? Integer.parseInt(args[2]) : 300;
        int bigHistory = args.length > 3 ? Integer.parseInt(args[3]) : 10_000;
        MergeBench bench = new MergeBench(env);
        Thread watcher = new Thread(bench::watch, "merge-completed-watcher");
        watcher.setDaemon(true);
        watcher.start();
        Thread.sleep(3000); // the watcher is positioned at the end of meldtown.merges
        List<String> rows = new ArrayList<>();
        Process second = null;
        try {
            if (latencyEvents > 0) { // 0: the history comparison only
                rows.add(bench.scaling("1", latencyEvents, burstEvents));
                second = bench.startSecondInstance();
                rows.add(bench.scaling("2", latencyEvents, burstEvents));
            }
        } finally {
            if (second != null) {
                second.destroy();
                second.waitFor(30, TimeUnit.SECONDS);
            }
        }
        if (latencyEvents == 0) {
            bench.history(10); // warms the service up as the scaling rows otherwise would (a cold JIT favours the big history)
        }
        String small = bench.history(10);
        String big = bench.history(bigHistory);
        bench.watching.set(false);
        bench.uploads.shutdown();
        bench.producer.close();

        System.out.println();
        System.out.println("| instances | events (paced 4/s) | committed→completed into hub p50 / p99 | committed→all replicas p50 / p99 | burst events | melds/s | block events/s |");
        System.out.println("|---|---|---|---|---|---|---|");
        rows.forEach(System.out::println);
        System.out.println();
        System.out.println("| hub history (blocks) | meld of one new block into the hub, durationMs p50 (min–max) | committed→completed p50 | first meld (cold: loads the replica) |");
        System.out.println("|---|---|---|---|");
        System.out.println(small);
        System.out.println(big);
        double ratio = lastMedianBig / lastMedianSmall;
        System.out.printf("%nratio %d / 10 blocks of history: %.2f (goal ≤ 1.5)%n", bigHistory, ratio);
    }

    private static double lastMedianSmall = Double.NaN;
    private static double lastMedianBig = Double.NaN;

    // ------------------------------------------------------------------ scaling

    private String scaling(String instances, int latencyEvents, int burstEvents) throws Exception {
        // warm-up (JIT, connections, a rebalance just done): not measured; 48 events paced as below, so that a stack
        // started by this run is measured compiled, as it runs after its first minute. Half of them are a document's
        // first event (24 documents, 2 events each), with its writer's replica as big as a measured one: each of the
        // 6 measured documents' first event loads it (300-800 ms on a stack just started, 6 warm-up loads before).
        List<Block> warm = prepare("warm" + instances, 24, Math.max(2, latencyEvents / 6)).subList(0, 48);
        for (Block b : warm) {
            announce(b);
            Thread.sleep(250);
        }
        for (Block b : warm) {
            await(b, 2);
        }
        // paced: 6 documents, one block per event, 4 events/s
        List<Block> paced = prepare("lat" + instances, 6, latencyEvents / 6);
        List<long[]> lat = new ArrayList<>();
        for (Block b : paced) {
            long sent = announce(b);
            lat.add(new long[] {sent});
            Thread.sleep(250);
        }
        List<Long> intoHub = new ArrayList<>();
        List<Long> allDone = new ArrayList<>();
        for (int i = 0; i < paced.size(); i++) {
            List<Result> r = await(paced.get(i), 2);
            long sent = lat.get(i)[0];
            intoHub.add(r.stream().filter(x -> x.target().equals("hub")).findFirst().orElseThrow().timestamp() - sent);
            allDone.add(r.stream().mapToLong(Result::timestamp).max().orElseThrow() - sent);
        }
        List<Integer> slowest = new ArrayList<>();
        for (int i = 0; i < intoHub.size(); i++) {
            slowest.add(i);
        }
        slowest.sort((a, b) -> Long.compare(intoHub.get(b), intoHub.get(a)));
        StringBuilder top = new StringBuilder();
        for (int i : slowest.subList(0, Math.min(5, slowest.size()))) {
            top.append(String.format(" #%d %d ms;", i, intoHub.get(i)));
        }
        System.err.println("[bench] slowest into the hub (#event: events 0-5 are each document's first):" + top);
        // burst: 12 documents, everything announced at once
        List<Block> burst = prepare("burst" + instances, 12, burstEvents / 12);
        long start = System.currentTimeMillis();
        long first = Long.MAX_VALUE;
        for (Block b : burst) {
            first = Math.min(first, announceAsync(b));
        }
        producer.flush();
        long last = 0;
        int melds = 0;
        for (Block b : burst) {
            List<Result> r = await(b, 2);
            melds += r.size();
            last = Math.max(last, r.stream().mapToLong(Result::timestamp).max().orElseThrow());
        }
        double seconds = (last - Math.min(first, start)) / 1000.0;
        String rates = burst.isEmpty() ? "— | —" : String.format("%.1f | %.1f", melds / seconds, burst.size() / seconds);
        String row = String.format("| %s | %d | %d / %d ms | %d / %d ms | %d | %s |", instances, paced.size(),
                pct(intoHub, 50), pct(intoHub, 99), pct(allDone, 50), pct(allDone, 99), burst.size(), rates);
        System.err.println("[bench] " + row);
        return row;
    }

    // ------------------------------------------------------------------ history

    private String history(int blocks) throws Exception {
        String doc = "hist" + blocks + "-" + RUN;
        MemoryStorage local = new MemoryStorage();
        Replica r = Replica.open(local);
        long t0 = System.nanoTime();
        for (int i = 0; i < blocks; i++) {
            r.update("{\"title\":\"history\",\"n\":" + i + "}");
            r.commit("bench", null);
        }
        System.err.printf("[bench] %s: %d blocks generated in %.1f s, %d files%n", doc, blocks, (System.nanoTime() - t0) / 1e9, local.list("").size());
        t0 = System.nanoTime();
        // the history is in the writer's replica and already melded into the hub, as after 10,000 earlier melds
        upload(local, doc, "w", local.list(""));
        upload(local, doc, "hub", local.list(""));
        System.err.printf("[bench] %s: uploaded to w and hub in %.1f s%n", doc, (System.nanoTime() - t0) / 1e9);
        int warmup = 2;
        int measured = 15;
        List<Long> durations = new ArrayList<>();
        List<Long> latencies = new ArrayList<>();
        long cold = -1;
        for (int i = 0; i < warmup + measured; i++) {
            List<String> before = local.list("");
            r.update("{\"title\":\"history\",\"n\":" + (blocks + i) + "}");
            String id = r.commit("bench", null).orElseThrow();
            List<String> fresh = new ArrayList<>(local.list(""));
            fresh.removeAll(before);
            upload(local, doc, "w", fresh);
            Block b = block(doc, local, id);
            long sent = announce(b);
            Result intoHub = await(b, 2).stream().filter(x -> x.target().equals("hub")).findFirst().orElseThrow();
            if (i == 0) {
                cold = intoHub.durationMs(); // the service loads the hub replica (no checkpoint yet: a full replay)
            }
            if (i >= warmup) {
                durations.add(intoHub.durationMs());
                latencies.add(intoHub.timestamp() - sent);
            }
        }
        double median = pct(durations, 50);
        if (blocks == 10) {
            lastMedianSmall = median;
        } else {
            lastMedianBig = median;
        }
        String row = String.format("| %d | %d ms (%d–%d) | %d ms | %d ms |", blocks, pct(durations, 50),
                durations.stream().min(Long::compare).orElseThrow(), durations.stream().max(Long::compare).orElseThrow(), pct(latencies, 50),
                cold);
        System.err.println("[bench] " + row);
        return row;
    }

    // ------------------------------------------------------------------ blocks and events

    /** {@code docs} documents with {@code perDoc} blocks each, uploaded to replica w; events in round-robin order. */
    private List<Block> prepare(String prefix, int docs, int perDoc) throws Exception {
        List<List<Block>> byDoc = new ArrayList<>();
        for (int d = 0; d < docs; d++) {
            String doc = prefix + "-" + RUN + "-" + d;
            MemoryStorage local = new MemoryStorage();
            Replica r = Replica.open(local);
            List<Block> blocks = new ArrayList<>();
            for (int i = 0; i < perDoc; i++) {
                r.update("{\"title\":\"" + doc + "\",\"n\":" + i + "}");
                blocks.add(block(doc, local, r.commit("bench", null).orElseThrow()));
            }
            upload(local, doc, "w", local.list(""));
            byDoc.add(blocks);
        }
        List<Block> out = new ArrayList<>();
        for (int i = 0; i < perDoc; i++) {
            for (List<Block> blocks : byDoc) {
                out.add(blocks.get(i));
            }
        }
        return out;
    }

    private Block block(String doc, MemoryStorage local, String id) {
        DeltaBlock b = DeltaBlock.parse(id, local.read(id + ".delta"));
        var data = new Payloads.BlockCommitted(TENANT, doc, "w", id, b.parents().stream().sorted().toList(),
                b.packs().stream().sorted().toList(), b.bytes().length);
        return new Block(doc, id, EventCodec.encode(EventType.BLOCK_COMMITTED, doc, data));
    }

    /** Uploads files (packs and indexes before deltas) in parallel. */
    private void upload(MemoryStorage local, String doc, String replica, Collection<String> files) throws Exception {
        S3Storage remote = new S3Storage(s3, bucket, BucketLayout.replica(ReplicaRef.of(TENANT, doc, replica)));
        for (String suffix : List.of(".pack", ".index", ".delta")) {
            List<Future<?>> futures = new ArrayList<>();
            for (String f : files) {
                if (f.endsWith(suffix)) {
                    futures.add(uploads.submit(() -> write(remote, f, local.read(f))));
                }
            }
            for (Future<?> f : futures) {
                f.get();
            }
        }
        // as block-store-service does after each stored delta: its entry in the replica's block log
        ReplicaRef ref = ReplicaRef.of(TENANT, doc, replica);
        for (String f : files) {
            if (f.endsWith(".delta")) {
                blockLog.record(ref, f.substring(0, f.length() - ".delta".length()));
            }
        }
    }

    /** One write-once upload, retried: S3Proxy under a burst of parallel PUTs sometimes drops a connection. */
    private static boolean write(S3Storage remote, String key, byte[] bytes) throws InterruptedException {
        for (int attempt = 1; ; attempt++) {
            try {
                return remote.write(key, bytes);
            } catch (RuntimeException e) {
                // a PUT that failed on the client side may have been stored: the conditional retry is then refused early
                if (remote.exists(key) && java.util.Arrays.equals(remote.read(key), bytes)) {
                    return false;
                }
                if (attempt >= 8) {
                    throw e;
                }
                Thread.sleep(250L * attempt);
            }
        }
    }

    private long announce(Block b) throws Exception {
        return producer.send(new ProducerRecord<>(Topics.BLOCKS, Topics.key(TENANT, b.doc()), b.event())).get(30, TimeUnit.SECONDS).timestamp();
    }

    private long announceAsync(Block b) {
        producer.send(new ProducerRecord<>(Topics.BLOCKS, Topics.key(TENANT, b.doc()), b.event()));
        return System.currentTimeMillis();
    }

    private List<Result> await(Block b, int expected) throws InterruptedException {
        String requestId = "block:w:" + b.id();
        long deadline = System.currentTimeMillis() + Duration.ofMinutes(10).toMillis();
        while (System.currentTimeMillis() < deadline) {
            List<Result> r = results.get(requestId);
            if (r != null && r.size() >= expected) {
                return r;
            }
            Thread.sleep(5);
        }
        throw new IllegalStateException("no merge.completed for " + requestId + " of " + b.doc());
    }

    private void watch() {
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(StackEnv.kafkaClientConfig(env),
                new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> tps = c.partitionsFor(Topics.MERGES).stream().map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            c.assign(tps);
            c.seekToEnd(tps);
            tps.forEach(c::position);
            while (watching.get()) {
                for (ConsumerRecord<String, byte[]> rec : c.poll(Duration.ofMillis(100))) {
                    if (!rec.key().startsWith(TENANT + "/")) {
                        continue;
                    }
                    CloudEvent e = EventCodec.decode(rec.value());
                    if (!EventType.MERGE_COMPLETED.type().equals(e.getType())) {
                        continue;
                    }
                    JsonNode data = EventCodec.mapper().readTree(e.getData().toBytes());
                    results.computeIfAbsent(data.get("requestId").asText(), k -> new java.util.concurrent.CopyOnWriteArrayList<>())
                            .add(new Result(data.get("target").asText(), rec.timestamp(), data.get("durationMs").asLong()));
                }
            }
        } catch (Exception e) {
            e.printStackTrace();
        }
    }

    // ------------------------------------------------------------------ a second instance

    private Process startSecondInstance() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path root = Path.of(System.getProperty("meldtown.root", ".")).toAbsolutePath();
        Path log = Files.createTempFile("merge-service-2", ".log");
        ProcessBuilder pb = new ProcessBuilder("java", "-Xmx384m", "-jar", root.resolve("merge-service/target/quarkus-app/quarkus-run.jar").toString())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(StackEnv.kafkaServiceEnv(env));
        pb.environment().putAll(Map.of("S3_ENDPOINT", env.get("S3_ENDPOINT"),
                "S3_BUCKET", bucket, "S3_ACCESS_KEY", env.get("S3_ACCESS_KEY"), "S3_SECRET_KEY", env.get("S3_SECRET_KEY"),
                "HTTP_PORT", String.valueOf(port), "MELDTOWN_JWT_PUBLIC_KEY", env.get("JWT_PUBLIC_KEY_FILE")));
        Process p = pb.start();
        long deadline = System.currentTimeMillis() + 180_000;
        try (Admin admin = Admin.create(StackEnv.kafkaClientConfig(env))) {
            while (true) {
                if (!p.isAlive() || System.currentTimeMillis() > deadline) {
                    throw new IllegalStateException("second instance did not join (log " + log + ")");
                }
                if (ready(port)) {
                    ConsumerGroupDescription g = admin.describeConsumerGroups(List.of("meldtown-merge")).all().get(30, TimeUnit.SECONDS).get("meldtown-merge");
                    long withPartitions = g.members().stream().filter(m -> !m.assignment().topicPartitions().isEmpty()).count();
                    if (withPartitions >= 2) {
                        System.err.println("[bench] second instance (pid " + p.pid() + ", port " + port + ") shares the partitions: "
                                + g.members().stream().map(m -> m.clientId() + "=" + m.assignment().topicPartitions()).toList());
                        return p;
                    }
                }
                Thread.sleep(500);
            }
        }
    }

    private static boolean ready(int port) {
        try {
            HttpURLConnection c = (HttpURLConnection) URI.create("http://127.0.0.1:" + port + "/q/health/ready").toURL().openConnection();
            c.setConnectTimeout(2000);
            c.setReadTimeout(5000);
            return c.getResponseCode() == 200;
        } catch (IOException e) {
            return false;
        }
    }

    // ------------------------------------------------------------------ misc

    private static long pct(List<Long> values, int p) {
        List<Long> sorted = new ArrayList<>(values);
        sorted.sort(null);
        int i = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, i)));
    }
}
