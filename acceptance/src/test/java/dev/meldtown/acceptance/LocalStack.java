package dev.meldtown.acceptance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.meldtown.testkit.Ports;
import dev.meldtown.testkit.Processes;
import dev.meldtown.testkit.StackEnv;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * One real local stack started with {@code bin/stack up} in its own stack directory on free ports (so it never
 * touches a developer's running stack), and the entry points a user drives it with: {@code bin/stack},
 * {@code bin/meldtown}, plain HTTP.
 */
final class LocalStack {
    static final Path ROOT = Path.of(System.getProperty("meldtown.root", "..")).toAbsolutePath().normalize();
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    static final List<String> PORTS = List.of("KAFKA", "KAFKA_CONTROLLER", "S3", "BLOCK_STORE", "MERGE", "SYNC", "NORTH_SQL",
            "NORTH_REMOTESAPI", "SOUTH_SQL", "SOUTH_REMOTESAPI", "TRACES", "OTLP");

    /** The stack directory ({@code MELDTOWN_STACK_DIR}). */
    final Path dir;
    /** What {@code bin/stack} is run with: the stack directory and every port. */
    final Map<String, String> env;
    /** Extra environment of the services ({@link #up(Path, Map)}). */
    private final Map<String, String> serviceEnv = new HashMap<>();
    /** Instances started by {@link #startInstance}, stopped by {@link #down()}. */
    private final List<Instance> instances = new ArrayList<>();
    /** Output and exit code of the first {@code up}. */
    String upOutput;
    int upExitCode;
    /** {@code <stack dir>/env} as written by {@code up}. */
    Map<String, String> stackEnv;

    private LocalStack(Path dir) {
        this.dir = dir;
        this.env = new HashMap<>();
        env.put("MELDTOWN_STACK_DIR", dir.toString());
        for (String port : PORTS) {
            env.put("MELDTOWN_" + port + "_PORT", String.valueOf(Ports.free()));
        }
    }

    /** Runs {@code bin/stack up}; the caller asserts on {@link #upExitCode} (so a failed start is a failed test). */
    static LocalStack up(Path dir) throws IOException {
        return up(dir, Map.of());
    }

    /**
     * {@link #up(Path)} with extra environment for {@code bin/stack} and so for the services it starts (their
     * deployment settings, e.g. {@code MELDTOWN_QUOTA_MAX_DOCUMENTS}); {@link #startInstance} passes it on too.
     */
    static LocalStack up(Path dir, Map<String, String> serviceEnv) throws IOException {
        LocalStack s = new LocalStack(dir);
        s.env.putAll(serviceEnv);
        s.serviceEnv.putAll(serviceEnv);
        Processes.Result result = s.stack("up");
        s.upOutput = result.stdout() + result.stderr();
        s.upExitCode = result.exitCode();
        if (result.exitCode() == 0) {
            s.stackEnv = StackEnv.read(dir.resolve("env"));
        }
        return s;
    }

    String get(String key) {
        return stackEnv.get(key);
    }

    /** Settings for a Kafka client of this stack: its bootstrap servers and SASL/SCRAM credentials. */
    Map<String, Object> kafkaClient() {
        return StackEnv.kafkaClientConfig(stackEnv);
    }

    Processes.Result stack(String... args) {
        return run(env, Duration.ofMinutes(15), args);
    }

    static Processes.Result run(Map<String, String> environment, Duration timeout, String... args) {
        List<String> command = new ArrayList<>();
        command.add(ROOT.resolve("bin/stack").toString());
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(ROOT.toFile());
        pb.environment().putAll(environment);
        return Processes.exec(pb, timeout);
    }

    /** Stops the instances this test started, then {@code bin/stack down}. */
    void down() throws InterruptedException {
        for (Instance i : instances) {
            i.stop();
        }
        stack("down");
    }

    /** {@code bin/stack token TENANT ROLE}. */
    String token(String tenant, String role) {
        Processes.Result r = stack("token", tenant, role);
        if (r.exitCode() != 0) {
            throw new IllegalStateException("bin/stack token failed: " + r.stderr());
        }
        return r.stdout().trim();
    }

    /** What a user of {@code bin/meldtown} exports: the hub token and the standard AWS variables for {@code s3://}. */
    Map<String, String> cliEnv(String token) {
        return new HashMap<>(Map.of("MELDTOWN_TOKEN", token,
                "AWS_ACCESS_KEY_ID", get("S3_ACCESS_KEY"), "AWS_SECRET_ACCESS_KEY", get("S3_SECRET_KEY"),
                "AWS_REGION", "us-east-1", "AWS_ENDPOINT_URL", get("S3_ENDPOINT")));
    }

    static Processes.Result meldtown(Path workDir, Map<String, String> environment, String... args) {
        List<String> command = new ArrayList<>();
        command.add(ROOT.resolve("bin/meldtown").toString());
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(workDir.toFile());
        pb.environment().putAll(environment);
        return Processes.exec(pb, Duration.ofMinutes(10));
    }

    /** The recorded pids, {@code run/<component>.pid} file name to pid. */
    Map<String, String> pids() throws IOException {
        Map<String, String> pids = new LinkedHashMap<>();
        try (var files = Files.list(dir.resolve("run"))) {
            for (Path f : files.sorted().toList()) {
                pids.put(f.getFileName().toString(), Files.readString(f).trim());
            }
        }
        return pids;
    }

    // ------------------------------------------------------------------ more instances

    /** A second packaged instance of a service, started next to the stack's own with the same embedded defaults. */
    record Instance(Process process, String url, Path log) {
        /** Stops it (SIGTERM, then SIGKILL after 30 s); harmless when it is already gone. */
        void stop() throws InterruptedException {
            if (process.isAlive()) {
                process.destroy();
                if (!process.waitFor(30, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
                }
            }
        }
    }

    /**
     * Starts {@code service} (its packaged jar) on a free port against this stack's Kafka, S3 and keys, and waits until
     * it is ready. {@code n} names its log, {@code logs/<service>-<n>.log}.
     */
    Instance startInstance(String service, int n) throws IOException, InterruptedException {
        int port = Ports.free();
        Path log = dir.resolve("logs/" + service + "-" + n + ".log");
        List<String> command = new ArrayList<>(List.of("java", "-Xmx384m"));
        command.addAll(dev.meldtown.testkit.Tools.javaOptions()); // as bin/stack starts the services
        command.addAll(List.of("-jar", ROOT.resolve(service + "/target/quarkus-app/quarkus-run.jar").toString()));
        ProcessBuilder pb = new ProcessBuilder(command)
                .directory(ROOT.resolve(service).toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(StackEnv.kafkaServiceEnv(stackEnv));
        pb.environment().putAll(serviceEnv);
        pb.environment().putAll(Map.of("S3_ENDPOINT", get("S3_ENDPOINT"),
                "S3_BUCKET", get("S3_BUCKET"), "S3_ACCESS_KEY", get("S3_ACCESS_KEY"), "S3_SECRET_KEY", get("S3_SECRET_KEY"),
                "HTTP_PORT", String.valueOf(port), "MELDTOWN_JWT_PUBLIC_KEY", get("JWT_PUBLIC_KEY_FILE"),
                "MELDTOWN_SYNC_SECRET_KEY", Files.readString(dir.resolve("secrets/sync-passwords-key")).trim()));
        Instance instance = new Instance(pb.start(), "http://127.0.0.1:" + port, log);
        instances.add(instance);
        boolean ready = await(Duration.ofMinutes(2), () -> instance.process().isAlive() && answers200(instance.url() + "/q/health/ready"));
        if (!ready) {
            instance.stop();
            List<String> lines = Files.readAllLines(log);
            throw new IllegalStateException(service + " instance " + n + " did not become ready; the end of " + log + ":\n"
                    + String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size())));
        }
        return instance;
    }

    // ------------------------------------------------------------------ HTTP

    static HttpResponse<String> get(String url, String token) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> post(String url, String token, Object body) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** GET that must answer 200, as JSON. */
    static JsonNode getJson(String url, String token) throws IOException, InterruptedException {
        HttpResponse<String> r = get(url, token);
        if (r.statusCode() != 200) {
            throw new IllegalStateException("GET " + url + " answered " + r.statusCode() + ": " + r.body());
        }
        return JSON.readTree(r.body());
    }

    /**
     * The precondition that makes a commit of a document read as {@code read} change only what its writer changed: its
     * {@code If-Match} ETag (a replica with no block reads as 200 {@code {}}, with a tag too), or {@code If-None-Match: *}
     * when the read found no document at all (a replica deleted, say). Without it, a meld that
     * lands between the read and the commit would make the commit delete whatever the meld brought.
     */
    static Map<String, String> unchangedSince(HttpResponse<String> read) {
        return read.statusCode() == 200 ? Map.of("If-Match", read.headers().firstValue("ETag").orElseThrow())
                : Map.of("If-None-Match", "*");
    }

    /**
     * The object of {@code doc}'s {@code items♭} array whose {@code _id} is {@code id}, added when missing: each writer of
     * a stream test edits only its own item, so concurrent commits never conflict.
     */
    static com.fasterxml.jackson.databind.node.ObjectNode ownItem(com.fasterxml.jackson.databind.node.ObjectNode doc, String id) {
        var items = doc.has("items\u266D") ? (com.fasterxml.jackson.databind.node.ArrayNode) doc.get("items\u266D")
                : doc.putArray("items\u266D");
        for (JsonNode item : items) {
            if (id.equals(item.path("_id").asText())) {
                return (com.fasterxml.jackson.databind.node.ObjectNode) item;
            }
        }
        return items.addObject().put("_id", id);
    }

    /** Whether a GET of {@code url} (no token) answers 200 now; an unreachable server is a no. */
    static boolean answers200(String url) {
        try {
            return get(url, null).statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Any method with an optional JSON body (null: none). */
    static HttpResponse<String> send(String method, String url, String token, Object body) throws IOException, InterruptedException {
        return send(method, url, token, body, Duration.ofSeconds(60));
    }

    /** {@link #send(String, String, String, Object)} with its own timeout (a paused service never answers). */
    static HttpResponse<String> send(String method, String url, String token, Object body, Duration timeout)
            throws IOException, InterruptedException {
        return send(method, url, token, body, timeout, Map.of());
    }

    /** {@link #send(String, String, String, Object, Duration)} with more request headers. */
    static HttpResponse<String> send(String method, String url, String token, Object body, Duration timeout, Map<String, String> headers)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(timeout);
        headers.forEach(b::header);
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        if (body == null) {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Registers the stack's towns north and south in tenant acme of sync-orchestrator, and north as a peer of south. */
    void registerTowns(String adminToken) throws IOException, InterruptedException {
        String sync = get("SYNC_ORCHESTRATOR_URL");
        for (String town : List.of("north", "south")) {
            String t = town.toUpperCase();
            HttpResponse<String> put = send("PUT", sync + "/v1/tenants/acme/towns/" + town, adminToken, Map.of(
                    "sql", Map.of("host", get("TOWN_" + t + "_SQL_HOST"), "port", Integer.parseInt(get("TOWN_" + t + "_SQL_PORT")),
                            "database", get("TOWN_" + t + "_DATABASE"), "user", get("TOWN_" + t + "_SQL_USER"),
                            "password", get("TOWN_" + t + "_SQL_PASSWORD")),
                    "remotesApiUrl", get("TOWN_" + t + "_REMOTESAPI_URL"), "branch", "main",
                    "remoteUser", get("TOWN_" + t + "_REMOTE_USER")));
            if (put.statusCode() / 100 != 2) {
                throw new IllegalStateException("registering " + town + ": " + put.statusCode() + " " + put.body());
            }
        }
        HttpResponse<String> peer = send("PUT", sync + "/v1/tenants/acme/towns/south/peers/north", adminToken, Map.of("town", "north"));
        if (peer.statusCode() / 100 != 2) {
            throw new IllegalStateException("adding peer north to south: " + peer.statusCode() + " " + peer.body());
        }
    }

    /** A new SQL connection to a town of this stack ({@code north}, {@code south}) as its SQL user, with timeouts. */
    java.sql.Connection sql(String town) throws java.sql.SQLException {
        String t = town.toUpperCase();
        java.util.Properties props = new java.util.Properties();
        props.setProperty("user", get("TOWN_" + t + "_SQL_USER"));
        props.setProperty("password", get("TOWN_" + t + "_SQL_PASSWORD"));
        props.setProperty("connectTimeout", "5000");
        props.setProperty("socketTimeout", "60000");
        return new org.mariadb.jdbc.Driver().connect("jdbc:mariadb://" + get("TOWN_" + t + "_SQL_HOST") + ":"
                + get("TOWN_" + t + "_SQL_PORT") + "/" + get("TOWN_" + t + "_DATABASE")
                + "?useSsl=false&allowPublicKeyRetrieval=true", props);
    }

    /** A condition polled by {@link #await}; may throw (counts as not yet). */
    @FunctionalInterface
    interface Check {
        boolean holds() throws Exception;
    }

    /**
     * Polls {@code condition} (every 250 ms) until it holds or the deadline passes; merges are asynchronous.
     * Exceptions count as "not yet". Returns whether it held, so the caller asserts with its own message.
     */
    static boolean await(Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                if (condition.getAsBoolean()) {
                    return true;
                }
            } catch (RuntimeException e) {
                // not yet
            }
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(250);
        }
    }
}
