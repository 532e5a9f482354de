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
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * 4 KiB block PUT and GET through block-store-service versus the AWS SDK directly against the same S3 server, with
 * the same number of client threads, alternating rounds in one run. Reads the endpoints from the local stack's
 * .stack/env; run it with bin/bench-block-store (which starts the stack if needed).
 */
public final class BlockStoreBench {
    interface Op {
        void run(int i) throws Exception;
    }

    record Result(double perSecond, double p50, double p99) {
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

        String doc = "bench-" + UUID.randomUUID().toString().substring(0, 8);
        String replica = env.get("BLOCK_STORE_URL") + "/v1/tenants/bench/docs/" + doc + "/replicas/r";
        String replicaOff = exportOff == null ? null : exportOff + "/v1/tenants/bench/docs/" + doc + "/replicas/off";
        String replicaOn = exportOn == null ? null : exportOn + "/v1/tenants/bench/docs/" + doc + "/replicas/on";
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
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
            List<byte[]> blocks = blocks(round < 0 ? Math.min(count, 300) : count, round);
            int n = blocks.size();
            List<String> keys = blocks.stream().map(b -> sha(b) + ".pack").toList();
            String via = replica;
            record("PUT service", results, measure(threads, n, i -> {
                var r = http.send(HttpRequest.newBuilder(URI.create(via + "/files/" + keys.get(i))).header("Authorization", "Bearer " + token)
                        .PUT(HttpRequest.BodyPublishers.ofByteArray(blocks.get(i))).build(), HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() != 201) {
                    throw new IllegalStateException("PUT " + keys.get(i) + " answered " + r.statusCode() + " (expected 201: a new block)");
                }
            }));
            if (replicaOff != null) {
                for (String export : round % 2 == 0 ? List.of("off", "on") : List.of("on", "off")) {
                    String to = export.equals("off") ? replicaOff : replicaOn;
                    record("PUT service-export-" + export, results, measure(threads, n, i -> {
                        var r = http.send(HttpRequest.newBuilder(URI.create(to + "/files/" + keys.get(i))).header("Authorization", "Bearer " + token)
                                .PUT(HttpRequest.BodyPublishers.ofByteArray(blocks.get(i))).build(), HttpResponse.BodyHandlers.discarding());
                        if (r.statusCode() != 201) {
                            throw new IllegalStateException("PUT " + keys.get(i) + " (export " + export + ") answered " + r.statusCode() + " (expected 201)");
                        }
                    }));
                }
            }
            record("PUT sdk", results, measure(threads, n, i -> s3.putObject(b -> b.bucket(bucket)
                    .key(directPrefix + keys.get(i).substring(0, 2) + "/" + keys.get(i)).ifNoneMatch("*"), RequestBody.fromBytes(blocks.get(i)))));
            record("PUT sdk-tuned", results, measure(threads, n, i -> tuned.putObject(b -> b.bucket(bucket)
                    .key(directPrefix + "t/" + keys.get(i).substring(0, 2) + "/" + keys.get(i)).ifNoneMatch("*"), RequestBody.fromBytes(blocks.get(i)))));
            record("GET service", results, measure(threads, n, i -> {
                var r = http.send(HttpRequest.newBuilder(URI.create(via + "/files/" + keys.get(i))).header("Authorization", "Bearer " + token)
                        .GET().build(), HttpResponse.BodyHandlers.ofByteArray());
                if (r.statusCode() != 200 || r.body().length != blocks.get(i).length) {
                    throw new IllegalStateException("GET " + r.statusCode());
                }
            }));
            if (replicaOff != null) {
                // the same files through another instance, which has not stored or read them: every GET reads S3
                // (FileCache serves the stack's instance from memory, since it stored them)
                String elsewhere = exportOff + "/v1/tenants/bench/docs/" + doc + "/replicas/r";
                record("GET service-uncached", results, measure(threads, n, i -> {
                    var r = http.send(HttpRequest.newBuilder(URI.create(elsewhere + "/files/" + keys.get(i))).header("Authorization", "Bearer " + token)
                            .GET().build(), HttpResponse.BodyHandlers.ofByteArray());
                    if (r.statusCode() != 200 || r.body().length != blocks.get(i).length) {
                        throw new IllegalStateException("GET (uncached) " + r.statusCode());
                    }
                }));
                for (String export : round % 2 == 0 ? List.of("off", "on") : List.of("on", "off")) {
                    String from = export.equals("off") ? replicaOff : replicaOn;
                    record("GET service-export-" + export, results, measure(threads, n, i -> {
                        var r = http.send(HttpRequest.newBuilder(URI.create(from + "/files/" + keys.get(i))).header("Authorization", "Bearer " + token)
                                .GET().build(), HttpResponse.BodyHandlers.ofByteArray());
                        if (r.statusCode() != 200 || r.body().length != blocks.get(i).length) {
                            throw new IllegalStateException("GET (export " + export + ") " + r.statusCode());
                        }
                    }));
                }
            }
            record("GET sdk", results, measure(threads, n, i -> {
                byte[] got = s3.getObjectAsBytes(b -> b.bucket(bucket).key(directPrefix + keys.get(i).substring(0, 2) + "/" + keys.get(i))).asByteArray();
                if (got.length != blocks.get(i).length) {
                    throw new IllegalStateException("short GET");
                }
            }));
            record("GET sdk-tuned", results, measure(threads, n, i -> {
                byte[] got = tuned.getObjectAsBytes(b -> b.bucket(bucket).key(directPrefix + "t/" + keys.get(i).substring(0, 2) + "/" + keys.get(i))).asByteArray();
                if (got.length != blocks.get(i).length) {
                    throw new IllegalStateException("short GET");
                }
            }));
        }
        System.out.printf("%nblock-store-service vs AWS SDK direct, 4 KiB packs, %d client threads, %d requests x %d rounds (median of rounds)%n%n",
                threads, count, rounds);
        System.out.println("| operation | path | req/s | p50 ms | p99 ms | service/this throughput |");
        System.out.println("|---|---|---:|---:|---:|---:|");
        for (String op : List.of("PUT", "GET")) {
            Result svc = median(measured.get(op + " service"));
            Result sdk = median(measured.get(op + " sdk"));
            Result sdkTuned = median(measured.get(op + " sdk-tuned"));
            System.out.printf("| %s | service | %.0f | %.1f | %.1f | |%n", op, svc.perSecond(), svc.p50(), svc.p99());
            List<Result> uncached = measured.get(op + " service-uncached");
            if (uncached != null) {
                Result u = median(uncached);
                System.out.printf("| %s | service, not in its cache (another instance stored the file) | %.0f | %.1f | %.1f | |%n", op,
                        u.perSecond(), u.p50(), u.p99());
            }
            System.out.printf("| %s | sdk direct (defaults) | %.0f | %.1f | %.1f | %.2f%s |%n", op, sdk.perSecond(), sdk.p50(), sdk.p99(),
                    svc.perSecond() / sdk.perSecond(), uncached == null ? "" : String.format(" (not cached: %.2f)", median(uncached).perSecond() / sdk.perSecond()));
            System.out.printf("| %s | sdk direct (service's settings) | %.0f | %.1f | %.1f | %.2f |%n", op, sdkTuned.perSecond(), sdkTuned.p50(),
                    sdkTuned.p99(), svc.perSecond() / sdkTuned.perSecond());
        }
        if (replicaOff != null) {
            System.out.printf("%nTracing's cost: two more instances of the same jar with the same flags, started together by the bench;"
                    + " one exports every span over OTLP to the stack's Jaeger, the other has export off (no OTEL_EXPORTER_OTLP_ENDPOINT)."
                    + " Same rounds, after the same warm-up, in alternating order.%n%n");
            System.out.println("| operation | export | req/s | p50 ms | p99 ms | on/off throughput |");
            System.out.println("|---|---|---:|---:|---:|---:|");
            for (String op : List.of("PUT", "GET")) {
                Result on = median(measured.get(op + " service-export-on"));
                Result off = median(measured.get(op + " service-export-off"));
                System.out.printf("| %s | off | %.0f | %.1f | %.1f | |%n", op, off.perSecond(), off.p50(), off.p99());
                System.out.printf("| %s | on (OTLP to Jaeger) | %.0f | %.1f | %.1f | %.3f |%n", op, on.perSecond(), on.p50(), on.p99(),
                        on.perSecond() / off.perSecond());
            }
        }
        s3.close();
        tuned.close();
    }

    private static void record(String name, Map<String, List<Result>> results, Result r) {
        results.computeIfAbsent(name, k -> new ArrayList<>()).add(r);
        System.err.printf("%-12s %8.0f req/s  p50 %6.1f ms  p99 %6.1f ms%n", name, r.perSecond(), r.p50(), r.p99());
    }

    private static Result median(List<Result> rs) {
        List<Result> sorted = rs.stream().sorted((a, b) -> Double.compare(a.perSecond(), b.perSecond())).toList();
        return sorted.get(sorted.size() / 2);
    }

    private static Result measure(int threads, int count, Op op) throws Exception {
        long[] latencies = new long[count];
        AtomicInteger next = new AtomicInteger();
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
                    op.run(i);
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
        return new Result(count / seconds, latencies[count / 2] / 1e6, latencies[(int) (count * 0.99)] / 1e6);
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
