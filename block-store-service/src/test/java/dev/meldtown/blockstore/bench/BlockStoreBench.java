package dev.meldtown.blockstore.bench;

import dev.meldtown.testkit.StackEnv;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.http.client.methods.CloseableHttpResponse;
import org.apache.http.client.methods.HttpGet;
import org.apache.http.client.methods.HttpPut;
import org.apache.http.entity.ByteArrayEntity;
import org.apache.http.impl.client.CloseableHttpClient;
import org.apache.http.impl.client.HttpClients;
import org.apache.http.util.EntityUtils;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * 4 KiB block PUT and GET through block-store-service versus the AWS SDK directly against the same S3 server, with
 * the same number of client threads, alternating rounds in one run. Both paths run on the same client-side HTTP stack
 * (Apache's HttpClient 4, which the SDK runs on here), so the ratio compares the service with S3 itself; the JDK's
 * java.net.http client, which costs the client more per request, is reported in its own row. Reads the endpoints from the local stack's
 * .stack/env; run it with bin/bench-block-store (which starts the stack if needed).
 */
public final class BlockStoreBench {
    interface Op {
        void run(int i) throws Exception;
    }

    /** Throughput, latency percentiles (failed requests included) and the requests that failed. */
    record Result(double perSecond, double p50, double p99, int failed) {
    }

    /** An HTTP client of the service's API: status of a PUT, body of a GET. */
    interface ServiceClient {
        int put(String url, String token, byte[] body) throws Exception;

        byte[] get(String url, String token) throws Exception;
    }

    /**
     * Apache's HttpClient 4, the client the SDK itself runs on in this bench (software.amazon.awssdk:apache-client), so
     * that both paths pay the same client-side HTTP cost and the ratio compares the service with S3 direct.
     */
    static ServiceClient apache() {
        CloseableHttpClient client = HttpClients.custom().setMaxConnPerRoute(64).setMaxConnTotal(64).build();
        return new ServiceClient() {
            public int put(String url, String token, byte[] body) throws Exception {
                HttpPut put = new HttpPut(url);
                put.setHeader("Authorization", "Bearer " + token);
                put.setEntity(new ByteArrayEntity(body));
                try (CloseableHttpResponse r = client.execute(put)) {
                    EntityUtils.consume(r.getEntity());
                    return r.getStatusLine().getStatusCode();
                }
            }

            public byte[] get(String url, String token) throws Exception {
                HttpGet get = new HttpGet(url);
                get.setHeader("Authorization", "Bearer " + token);
                try (CloseableHttpResponse r = client.execute(get)) {
                    byte[] body = EntityUtils.toByteArray(r.getEntity());
                    if (r.getStatusLine().getStatusCode() != 200) {
                        throw new IllegalStateException("GET " + url + " answered " + r.getStatusLine().getStatusCode());
                    }
                    return body;
                }
            }
        };
    }

    /** The JDK's java.net.http client (what the bench used before 2026-12-04; reported beside). */
    static ServiceClient jdk() {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        return new ServiceClient() {
            public int put(String url, String token, byte[] body) throws Exception {
                return http.send(HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + token)
                        .PUT(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
            }

            public byte[] get(String url, String token) throws Exception {
                var r = http.send(HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + token).GET().build(),
                        HttpResponse.BodyHandlers.ofByteArray());
                if (r.statusCode() != 200) {
                    throw new IllegalStateException("GET " + url + " answered " + r.statusCode());
                }
                return r.body();
            }
        };
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> env = StackEnv.read(Path.of(args[0]));
        String token = args[1];
        int threads = Integer.parseInt(args.length > 2 ? args[2] : "4");
        int count = Integer.parseInt(args.length > 3 ? args[3] : "1500");
        int rounds = Integer.parseInt(args.length > 4 ? args[4] : "3");
        // optional: two more instances of the same jar, started alike by bin/bench-block-store, with tracing export off
        // and on, measured side by side in the same rounds, in alternating order
        String exportOff = args.length > 6 ? args[5] : null;
        String exportOn = args.length > 6 ? args[6] : null;
        // requests per path in the unreported warm-up round: the services and this JVM reach their compiled steady state
        // only after thousands of requests (C2); 300, as before, left the service path partly interpreted in the rounds
        int warmup = Integer.parseInt(args.length > 7 ? args[7] : "5000");

        String doc = "bench-" + UUID.randomUUID().toString().substring(0, 8);
        String replica = env.get("BLOCK_STORE_URL") + "/v1/tenants/bench/docs/" + doc + "/replicas/r";
        String replicaOff = exportOff == null ? null : exportOff + "/v1/tenants/bench/docs/" + doc + "/replicas/off";
        String replicaOn = exportOn == null ? null : exportOn + "/v1/tenants/bench/docs/" + doc + "/replicas/on";
        ServiceClient http = apache();
        ServiceClient jdkHttp = jdk();
        String replicaJdk = env.get("BLOCK_STORE_URL") + "/v1/tenants/bench/docs/" + doc + "/replicas/jdk";
        S3Client s3 = S3Client.builder().endpointOverride(URI.create(env.get("S3_ENDPOINT"))).region(Region.US_EAST_1).forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(env.get("S3_ACCESS_KEY"), env.get("S3_SECRET_KEY"))))
                .httpClient(ApacheHttpClient.builder().maxConnections(64).build()).build();
        // The same client with the service's settings (dev.meldtown.service.S3ClientProducer): no CRC trailers or
        // response checksums, no Expect: 100-continue for small bodies. Reported next to the SDK's defaults.
        S3Client tuned = S3Client.builder().endpointOverride(URI.create(env.get("S3_ENDPOINT"))).region(Region.US_EAST_1).forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(env.get("S3_ACCESS_KEY"), env.get("S3_SECRET_KEY"))))
                .requestChecksumCalculation(software.amazon.awssdk.core.checksums.RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(software.amazon.awssdk.core.checksums.ResponseChecksumValidation.WHEN_REQUIRED)
                .serviceConfiguration(software.amazon.awssdk.services.s3.S3Configuration.builder().expectContinueThresholdInBytes(1024L * 1024).build())
                .httpClient(ApacheHttpClient.builder().maxConnections(64).build()).build();
        String bucket = env.get("S3_BUCKET");
        String directPrefix = "bench-direct/" + doc + "/";

        Map<String, List<Result>> measured = new LinkedHashMap<>();
        // round -1 warms every path up (JIT, connection pools) and is not reported: a freshly started instance beside a
        // warm one would otherwise look slower for reasons that have nothing to do with what is compared
        for (int round = -1; round < rounds; round++) {
            Map<String, List<Result>> results = round < 0 ? new LinkedHashMap<>() : measured;
            List<byte[]> blocks = blocks(round < 0 ? warmup : count, round);
            int n = blocks.size();
            List<String> keys = blocks.stream().map(b -> sha(b) + ".pack").toList();
            String via = replica;
            // every path once per round; PUTs before GETs (which read what they stored), and each group in the
            // opposite order in odd rounds, so that no path always runs first (or right after the other kind)
            Map<String, Op> paths = new LinkedHashMap<>();
            paths.put("PUT service", i -> {
                int status = http.put(via + "/files/" + keys.get(i), token, blocks.get(i));
                if (status != 201) {
                    throw new IllegalStateException("PUT " + keys.get(i) + " answered " + status + " (expected 201: a new block)");
                }
            });
            paths.put("PUT service-jdk-client", i -> {
                int status = jdkHttp.put(replicaJdk + "/files/" + keys.get(i), token, blocks.get(i));
                if (status != 201) {
                    throw new IllegalStateException("PUT " + keys.get(i) + " (JDK client) answered " + status + " (expected 201)");
                }
            });
            if (replicaOff != null) {
                for (String export : List.of("off", "on")) {
                    String to = export.equals("off") ? replicaOff : replicaOn;
                    paths.put("PUT service-export-" + export, i -> {
                        int status = http.put(to + "/files/" + keys.get(i), token, blocks.get(i));
                        if (status != 201) {
                            throw new IllegalStateException("PUT " + keys.get(i) + " (export " + export + ") answered " + status + " (expected 201)");
                        }
                    });
                }
            }
            paths.put("PUT sdk", i -> s3.putObject(b -> b.bucket(bucket)
                    .key(directPrefix + keys.get(i).substring(0, 2) + "/" + keys.get(i)).ifNoneMatch("*"), RequestBody.fromBytes(blocks.get(i))));
            paths.put("PUT sdk-tuned", i -> tuned.putObject(b -> b.bucket(bucket)
                    .key(directPrefix + "t/" + keys.get(i).substring(0, 2) + "/" + keys.get(i)).ifNoneMatch("*"), RequestBody.fromBytes(blocks.get(i))));
            paths.put("GET service", i -> {
                if (http.get(via + "/files/" + keys.get(i), token).length != blocks.get(i).length) {
                    throw new IllegalStateException("short GET");
                }
            });
            paths.put("GET service-jdk-client", i -> {
                if (jdkHttp.get(replicaJdk + "/files/" + keys.get(i), token).length != blocks.get(i).length) {
                    throw new IllegalStateException("short GET (JDK client)");
                }
            });
            if (replicaOff != null) {
                // files another instance stored (the export-off instance's PUTs above), read through the stack's instance,
                // which has not stored or read them: every GET reads S3 (FileCache serves the files an instance stored
                // itself from memory). The stack's instance, not a fresher one, so that both GET rows are equally warm.
                String elsewhere = env.get("BLOCK_STORE_URL") + "/v1/tenants/bench/docs/" + doc + "/replicas/off";
                paths.put("GET service-uncached", i -> {
                    if (http.get(elsewhere + "/files/" + keys.get(i), token).length != blocks.get(i).length) {
                        throw new IllegalStateException("short GET (uncached)");
                    }
                });
                for (String export : List.of("off", "on")) {
                    String from = export.equals("off") ? replicaOff : replicaOn;
                    paths.put("GET service-export-" + export, i -> {
                        if (http.get(from + "/files/" + keys.get(i), token).length != blocks.get(i).length) {
                            throw new IllegalStateException("short GET (export " + export + ")");
                        }
                    });
                }
            }
            paths.put("GET sdk", i -> {
                byte[] got = s3.getObjectAsBytes(b -> b.bucket(bucket).key(directPrefix + keys.get(i).substring(0, 2) + "/" + keys.get(i))).asByteArray();
                if (got.length != blocks.get(i).length) {
                    throw new IllegalStateException("short GET");
                }
            });
            paths.put("GET sdk-tuned", i -> {
                byte[] got = tuned.getObjectAsBytes(b -> b.bucket(bucket).key(directPrefix + "t/" + keys.get(i).substring(0, 2) + "/" + keys.get(i))).asByteArray();
                if (got.length != blocks.get(i).length) {
                    throw new IllegalStateException("short GET");
                }
            });
            for (String kind : List.of("PUT", "GET")) {
                List<String> group = new ArrayList<>(paths.keySet().stream().filter(k -> k.startsWith(kind + " ")).toList());
                if (Math.floorMod(round, 2) == 1) {
                    java.util.Collections.reverse(group);
                }
                for (String path : group) {
                    record(path, results, measure(threads, n, paths.get(path)));
                }
            }
        }
        System.out.printf("%nblock-store-service vs AWS SDK direct, 4 KiB packs, %d client threads, %d requests x %d rounds (median of rounds),"
                + " after a warm-up of %d requests per path; service rows through Apache's HttpClient 4, the SDK's own HTTP client here%n%n",
                threads, count, rounds, warmup);
        System.out.println("Last column: this path's throughput over the SDK direct (defaults) path's in the same round; the median of the"
                + " rounds' ratios, then the lowest and highest (the machine's noise moves single rounds a lot).");
        System.out.println();
        System.out.println("| operation | path | req/s | p50 ms | p99 ms | throughput / sdk direct, per round |");
        System.out.println("|---|---|---:|---:|---:|---:|");
        for (String op : List.of("PUT", "GET")) {
            Map<String, String> rows = new LinkedHashMap<>();
            rows.put(op + " service", "service");
            rows.put(op + " service-jdk-client", "service, with the JDK's java.net.http client");
            rows.put(op + " service-uncached", "service, not in its cache (another instance stored the files)");
            rows.put(op + " sdk", "sdk direct (defaults)");
            rows.put(op + " sdk-tuned", "sdk direct (service's settings)");
            rows.forEach((path, label) -> {
                List<Result> rs = measured.get(path);
                if (rs != null) {
                    Result m = median(rs);
                    System.out.printf("| %s | %s | %.0f | %.1f | %.1f | %s |%n", op, label, m.perSecond(), m.p50(), m.p99(),
                            path.equals(op + " sdk") ? "1" : ratio(rs, measured.get(op + " sdk")));
                }
            });
        }
        if (replicaOff != null) {
            System.out.printf("%nTracing's cost: two more instances of the same jar with the same flags, started together by the bench;"
                    + " one exports every span over OTLP to the stack's Jaeger, the other has export off (no OTEL_EXPORTER_OTLP_ENDPOINT)."
                    + " Same rounds, after the same warm-up, in alternating order.%n%n");
            System.out.println("| operation | export | req/s | p50 ms | p99 ms | on/off throughput, per round |");
            System.out.println("|---|---|---:|---:|---:|---:|");
            for (String op : List.of("PUT", "GET")) {
                Result on = median(measured.get(op + " service-export-on"));
                Result off = median(measured.get(op + " service-export-off"));
                System.out.printf("| %s | off | %.0f | %.1f | %.1f | |%n", op, off.perSecond(), off.p50(), off.p99());
                System.out.printf("| %s | on (OTLP to Jaeger) | %.0f | %.1f | %.1f | %s |%n", op, on.perSecond(), on.p50(), on.p99(),
                        ratio(measured.get(op + " service-export-on"), measured.get(op + " service-export-off")));
            }
        }
        measured.forEach((path, rs) -> {
            int failed = rs.stream().mapToInt(Result::failed).sum();
            if (failed > 0) {
                System.out.printf("%n%s: %d of %d requests failed in the measured rounds%n", path, failed, count * rs.size());
            }
        });
        s3.close();
        tuned.close();
    }

    private static void record(String name, Map<String, List<Result>> results, Result r) {
        results.computeIfAbsent(name, k -> new ArrayList<>()).add(r);
        System.err.printf("%-12s %8.0f req/s  p50 %6.1f ms  p99 %6.1f ms%s%n", name, r.perSecond(), r.p50(), r.p99(),
                r.failed() == 0 ? "" : "  (" + r.failed() + " failed)");
    }

    /** The median of the per-round ratios a/b, with their range: "0.92 (0.83–1.02)". */
    private static String ratio(List<Result> a, List<Result> b) {
        List<Double> ratios = new ArrayList<>();
        for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
            ratios.add(a.get(i).perSecond() / b.get(i).perSecond());
        }
        ratios.sort(Double::compare);
        return String.format("**%.2f** (%.2f–%.2f)", ratios.get(ratios.size() / 2), ratios.get(0), ratios.get(ratios.size() - 1));
    }

    private static Result median(List<Result> rs) {
        List<Result> sorted = rs.stream().sorted((a, b) -> Double.compare(a.perSecond(), b.perSecond())).toList();
        return sorted.get(sorted.size() / 2);
    }

    private static Result measure(int threads, int count, Op op) throws Exception {
        long[] latencies = new long[count];
        AtomicInteger next = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r);
            t.setDaemon(true);
            return t;
        });
        long start = System.nanoTime();
        List<Future<?>> fs = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            fs.add(pool.submit(() -> {
                for (int i; (i = next.getAndIncrement()) < count; ) {
                    long s = System.nanoTime();
                    try {
                        op.run(i);
                    } catch (Exception e) {
                        // reported, not hidden: a 503 now and then (S3 unavailable) is counted and printed; more
                        // than 1% of a round fails the bench
                        if (failed.incrementAndGet() == 1) {
                            System.err.println("request " + i + " failed: " + e.getMessage());
                        }
                        if (failed.get() > Math.max(1, count / 100)) {
                            throw e;
                        }
                    }
                    latencies[i] = System.nanoTime() - s;
                }
                return null;
            }));
        }
        for (Future<?> f : fs) {
            f.get();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        pool.shutdown();
        Arrays.sort(latencies);
        return new Result(count / seconds, latencies[count / 2] / 1e6, latencies[(int) (count * 0.99)] / 1e6, failed.get());
    }

    /** Valid Melda packs of about 4 KiB: one object with a random 4000-character string. */
    private static List<byte[]> blocks(int count, int round) {
        Random random = new Random(round);
        List<byte[]> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            StringBuilder v = new StringBuilder(4000);
            for (int c = 0; c < 4000; c++) {
                v.append((char) ('a' + random.nextInt(26)));
            }
            out.add(("[{\"_id\":\"" + round + "-" + i + "\",\"v\":\"" + v + "\"}]").getBytes(StandardCharsets.UTF_8));
        }
        return out;
    }

    private static String sha(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
