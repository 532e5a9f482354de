package dev.meldtown.acceptance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.meldtown.testkit.KafkaProcess;
import dev.meldtown.testkit.Ports;
import dev.meldtown.testkit.Processes;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.Signature;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's first command, driven as a user would: {@code bin/stack up} starts real Kafka, S3, two Dolt
 * towns and the three services; {@code status}, {@code token}, a second {@code up}, and {@code down}. It runs
 * in its own stack directory and on free ports so it never touches a developer's running stack.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@NeedsTools("kube") // helm template renders the alert rules whose metrics it checks
class StackTest {
    static final Path ROOT = LocalStack.ROOT;
    static final ObjectMapper JSON = LocalStack.JSON;
    static final HttpClient HTTP = LocalStack.HTTP;

    @TempDir
    static Path stackDir;
    static LocalStack local;
    static Map<String, String> env;
    static Map<String, String> stackEnv;
    static String firstUpOutput;

    @BeforeAll
    static void up() throws Exception {
        local = LocalStack.up(stackDir);
        env = local.env;
        firstUpOutput = local.upOutput;
        assertThat(local.upExitCode).as(firstUpOutput).isZero();
        stackEnv = local.stackEnv;
    }

    @AfterAll
    static void down() {
        if (local != null) {
            stack("down");
        }
    }

    @Test
    @Order(1)
    void upWritesEveryContractedEndpointAndShowsTheStackWorking() {
        List<String> keys = List.of("BLOCK_STORE_URL", "MERGE_SERVICE_URL", "SYNC_ORCHESTRATOR_URL", "KAFKA_BOOTSTRAP",
                "KAFKA_SECURITY_PROTOCOL", "KAFKA_SASL_MECHANISM", "KAFKA_USERNAME", "KAFKA_PASSWORD",
                "S3_ENDPOINT", "S3_BUCKET", "S3_ACCESS_KEY", "S3_SECRET_KEY");
        assertThat(stackEnv).containsKeys(keys.toArray(String[]::new));
        for (String town : List.of("NORTH", "SOUTH")) {
            for (String suffix : List.of("SQL_HOST", "SQL_PORT", "DATABASE", "SQL_USER", "SQL_PASSWORD", "REMOTE_USER", "REMOTESAPI_URL")) {
                assertThat(stackEnv).containsKey("TOWN_" + town + "_" + suffix);
            }
        }
        assertThat(stackEnv.get("KAFKA_BOOTSTRAP")).isEqualTo("127.0.0.1:" + env.get("MELDTOWN_KAFKA_PORT"));
        assertThat(firstUpOutput).contains("What to try next").contains("town north: UP").contains("town south: UP");
        assertThat(stackEnv).containsEntry("KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT").containsEntry("KAFKA_SASL_MECHANISM", "SCRAM-SHA-512");
        assertThat(stackEnv.get("KAFKA_PASSWORD")).hasSizeGreaterThanOrEqualTo(16);
        assertThat(firstUpOutput).doesNotContain(stackEnv.get("KAFKA_PASSWORD"));
    }

    @Test
    @Order(2)
    void kafkaLetsInTheStacksScramUserOnlyAndEveryServiceConsumesAsIt() throws Exception {
        Map<String, Object> client = local.kafkaClient();
        try (Admin admin = Admin.create(client)) {
            assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS)).contains("meldtown.blocks", "meldtown.merges");
            // both consuming services joined their groups through the SCRAM listener
            assertThat(LocalStack.await(Duration.ofSeconds(60), () -> {
                try {
                    return admin.describeConsumerGroups(List.of("meldtown-merge", "meldtown-sync-orchestrator")).all()
                            .get(10, TimeUnit.SECONDS).values().stream().allMatch(g -> !g.members().isEmpty());
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            })).as("merge-service and sync-orchestrator consumer groups").isTrue();
        }
        Map<String, Object> wrong = new HashMap<>(client);
        wrong.put("sasl.jaas.config", new KafkaProcess.Scram(stackEnv.get("KAFKA_USERNAME"), stackEnv.get("KAFKA_PASSWORD") + "x").jaasConfig());
        assertThatThrownBy(() -> listTopics(wrong)).hasRootCauseInstanceOf(SaslAuthenticationException.class);
        assertThatThrownBy(() -> listTopics(Map.of("bootstrap.servers", stackEnv.get("KAFKA_BOOTSTRAP"))))
                .as("a client without credentials").isInstanceOfAny(ExecutionException.class, TimeoutException.class);
        // the password is in .stack/env and the secrets, never in a log
        try (var logs = Files.list(stackDir.resolve("logs"))) {
            for (Path log : logs.toList()) {
                assertThat(Files.readString(log)).as(log.toString()).doesNotContain(stackEnv.get("KAFKA_PASSWORD"));
            }
        }
    }

    static List<String> listTopics(Map<String, Object> client) throws Exception {
        Map<String, Object> config = new HashMap<>(client);
        config.put("request.timeout.ms", 3000);
        config.put("default.api.timeout.ms", 5000);
        try (Admin admin = Admin.create(config)) {
            return List.copyOf(admin.listTopics().names().get(10, TimeUnit.SECONDS));
        }
    }

    @Test
    @Order(2)
    void everyServiceIsReadyThroughItsRealDependencies() throws Exception {
        for (String key : List.of("BLOCK_STORE_URL", "MERGE_SERVICE_URL", "SYNC_ORCHESTRATOR_URL")) {
            HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(stackEnv.get(key) + "/q/health/ready")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as(key + " " + response.body()).isEqualTo(200);
            JsonNode health = JSON.readTree(response.body());
            assertThat(health.get("status").asText()).isEqualTo("UP");
            assertThat(health.get("checks").findValuesAsText("name")).contains("S3 bucket meldtown", "Kafka connection health check");
        }
    }

    @Test
    @Order(3)
    void townsShareHistoryAndAcceptTheirSqlUser() throws Exception {
        String north = head("NORTH");
        assertThat(north).matches("[0-9a-v]{32}");
        assertThat(head("SOUTH")).isEqualTo(north);
    }

    @Test
    @Order(4)
    void tokenIsAnRs256JwtSignedWithTheStacksKeyCarryingTenantAndRoles() throws Exception {
        var result = stack("token", "acme", "writer");
        assertThat(result.exitCode()).as(result.stderr()).isZero();
        String[] parts = result.stdout().trim().split("\\.");
        assertThat(parts).hasSize(3);
        JsonNode claims = JSON.readTree(Base64.getUrlDecoder().decode(parts[1]));
        assertThat(claims.get("tenant").asText()).isEqualTo("acme");
        assertThat(claims.get("groups")).extracting(JsonNode::asText).containsExactly("reader", "writer");
        assertThat(claims.get("exp").asLong()).isGreaterThan(System.currentTimeMillis() / 1000);

        String pem = Files.readString(stackDir.resolve("jwt/public.pem")).replaceAll("-----[A-Z ]+-----|\\s", "");
        var key = (RSAPublicKey) KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(pem)));
        Signature verifier = Signature.getInstance("SHA256withRSA");
        verifier.initVerify(key);
        verifier.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
        assertThat(verifier.verify(Base64.getUrlDecoder().decode(parts[2]))).isTrue();

        assertThat(stack("token", "acme").stdout()).isNotBlank();
        var badTenant = stack("token", "../acme");
        assertThat(badTenant.exitCode()).isNotZero();
        assertThat(badTenant.stderr().trim()).contains("invalid tenant").doesNotContain("\n");
        assertThat(stack("token", "acme", "superuser").exitCode()).isNotZero();
    }

    @Test
    @Order(5)
    void upAgainIsHarmlessAndStatusReportsEverythingReady() throws Exception {
        Map<String, String> pids = pids();
        var again = stack("up");
        assertThat(again.exitCode()).as(again.stderr()).isZero();
        assertThat(pids()).isEqualTo(pids);
        var status = stack("status");
        assertThat(status.exitCode()).as(status.stdout()).isZero();
        assertThat(status.stdout()).contains("sync-orchestrator").contains("ready").doesNotContain("stopped");
        var logs = stack("logs", "kafka");
        assertThat(logs.exitCode()).isZero();
        assertThat(logs.stdout()).isNotBlank();
        assertThat(Files.readString(stackDir.resolve("logs/kafka.log"))).contains("Kafka Server started");
        assertThat(stack("logs", "nope").exitCode()).isNotZero();
    }

    @Test
    @Order(6)
    void meldtownPushesToAndPullsFromTheHubAndReadsTheBucketOverS3(@TempDir Path work) throws Exception {
        Files.writeString(work.resolve("alice.json"), "{\"software\":\"MeldaDo\",\"items\u266D\":[{\"_id\":\"a1\",\"title\":\"Buy milk\"}]}");
        String token = stack("token", "acme", "writer").stdout().trim();
        Map<String, String> cliEnv = local.cliEnv(token);
        String hub = stackEnv.get("BLOCK_STORE_URL") + "/v1/tenants/acme/docs/todo/replicas/alice";
        String alice = "file://" + work.resolve("alice");
        String bob = "file://" + work.resolve("bob");

        assertThat(meldtown(work, cliEnv, "update", "-t", alice, "-j", "alice.json", "-a", "alice").exitCode()).isZero();
        var push = meldtown(work, cliEnv, "meld", "-s", alice, "-t", hub);
        assertThat(push.exitCode()).as(push.stderr()).isZero();
        String local = meldtown(work, cliEnv, "read", "-s", alice).stdout();
        assertThat(meldtown(work, cliEnv, "read", "-s", hub).stdout()).isEqualTo(local);

        var pull = meldtown(work, cliEnv, "meld", "-s", hub, "-t", bob);
        assertThat(pull.exitCode()).as(pull.stderr()).isZero();
        assertThat(meldtown(work, cliEnv, "read", "-s", bob).stdout()).isEqualTo(local);

        var s3 = meldtown(work, cliEnv, "read", "-s", "s3://" + stackEnv.get("S3_BUCKET") + "/tenants/acme/docs/todo/replicas/alice");
        assertThat(s3.exitCode()).as(s3.stderr()).isZero();
        assertThat(s3.stdout()).isEqualTo(local);

        Map<String, String> noToken = new HashMap<>(cliEnv);
        noToken.remove("MELDTOWN_TOKEN");
        var refused = meldtown(work, noToken, "read", "-s", hub);
        assertThat(refused.exitCode()).isNotZero();
        assertThat(refused.stderr().strip()).contains("401").contains("MELDTOWN_TOKEN").doesNotContain("\n");
    }

    /**
     * Issue 12 item 3: after {@code source .stack/env}, the hub verbs work with no other step against tenant demo
     * (towns north and south, peers of each other, federation demo); every answer is checked against the services.
     */
    @Test
    @Order(6)
    void aNewcomerSourcesTheEnvAndUsesTheHubVerbs(@TempDir Path work) throws Exception {
        assertThat(stackEnv).containsEntry("MELDTOWN_HUB", stackEnv.get("BLOCK_STORE_URL"))
                .containsEntry("MELDTOWN_SYNC", stackEnv.get("SYNC_ORCHESTRATOR_URL")).containsKey("MELDTOWN_TOKEN");
        assertThat(firstUpOutput).contains("bin/meldtown towns").contains("bin/meldtown sync south north")
                .doesNotContain(stackEnv.get("MELDTOWN_TOKEN"));
        JsonNode claims = JSON.readTree(Base64.getUrlDecoder().decode(stackEnv.get("MELDTOWN_TOKEN").split("\\.")[1]));
        assertThat(claims.get("tenant").asText()).isEqualTo("demo");

        // exactly what the what-to-try-next text says: a shell that sources the env file, nothing else
        var towns = sourced(work, "towns");
        assertThat(towns.exitCode()).as(towns.stderr()).isZero();
        List<String> lines = towns.stdout().lines().toList();
        assertThat(lines.get(0)).startsWith("TOWN").contains("REMOTESAPI");
        assertThat(lines.subList(1, lines.size())).hasSize(2).anySatisfy(l -> assertThat(l).startsWith("north "))
                .anySatisfy(l -> assertThat(l).startsWith("south ").contains(stackEnv.get("TOWN_SOUTH_REMOTESAPI_URL")));

        Map<String, String> cli = new HashMap<>(Map.of("MELDTOWN_HUB", stackEnv.get("MELDTOWN_HUB"),
                "MELDTOWN_SYNC", stackEnv.get("MELDTOWN_SYNC"), "MELDTOWN_TOKEN", stackEnv.get("MELDTOWN_TOKEN")));
        assertThat(JSON.readTree(ok(work, cli, "towns", "--json")).findValuesAsText("name")).containsExactlyInAnyOrder("north", "south");
        assertThat(JSON.readTree(ok(work, cli, "peers", "south", "--json")).findValuesAsText("name")).contains("north");
        assertThat(ok(work, cli, "peers", "north")).contains("south").contains(stackEnv.get("TOWN_SOUTH_REMOTESAPI_URL"));
        JsonNode feds = JSON.readTree(ok(work, cli, "federations", "--json"));
        assertThat(feds.findValuesAsText("name")).containsExactly("demo");
        assertThat(feds.get(0).get("towns")).extracting(JsonNode::asText).containsExactly("north", "south");

        // docs: what the block-store holds for demo, after a replica is pushed there with meld
        Files.writeString(work.resolve("todo.json"), "{\"title\":\"first steps\"}");
        String replica = "file://" + work.resolve("todo");
        assertThat(ok(work, cli, "update", "-t", replica, "-j", "todo.json")).startsWith("Committed block ");
        String hubUrl = stackEnv.get("MELDTOWN_HUB") + "/v1/tenants/demo/docs/first-steps/replicas/laptop";
        ok(work, cli, "meld", "-s", replica, "-t", hubUrl);
        assertThat(JSON.readTree(ok(work, cli, "docs", "--json"))).extracting(JsonNode::asText).contains("first-steps");
        assertThat(ok(work, cli, "docs")).contains("first-steps").contains(stackEnv.get("MELDTOWN_HUB") + "/v1/tenants/demo/docs/first-steps/replicas/<R>");

        // a commit in north reaches south through `sync south north`
        String id = "bd-newcomer-" + System.nanoTime();
        try (Connection c = local.sql("north"); Statement st = c.createStatement()) {
            st.execute("INSERT INTO issues (id, title) VALUES ('" + id + "', 'from the newcomer test')");
            st.execute("CALL DOLT_COMMIT('-Am', 'newcomer')");
        }
        var sync = sourced(work, "sync", "south", "north");
        assertThat(sync.exitCode()).as(sync.stdout() + sync.stderr()).isZero();
        assertThat(sync.stdout().lines().toList().get(1)).startsWith("south  north");
        assertThat(head("SOUTH")).isEqualTo(head("NORTH"));
        JsonNode status = JSON.readTree(ok(work, cli, "status", "south", "north", "--json"));
        assertThat(status.get("peer").asText()).isEqualTo("north");
        assertThat(status.get("localBehind").asInt()).isZero();
        assertThat(status.get("lastSuccess").isNull()).isFalse();
        JsonNode again = JSON.readTree(ok(work, cli, "sync", "south", "north", "--strategy", "theirs", "--json"));
        assertThat(again.get("error").isNull()).isTrue();
        assertThat(again.get("pulledCommits").asInt()).isZero();

        JsonNode round = JSON.readTree(ok(work, cli, "round", "demo", "--json"));
        assertThat(round.findValuesAsText("town")).containsExactlyInAnyOrder("north", "south");
        assertThat(ok(work, cli, "round", "demo").lines().count()).isEqualTo(3);

        // errors: one line naming the service and the cause, exit codes by outcome
        var unknown = meldtown(work, cli, "peers", "nowhere");
        assertThat(unknown.exitCode()).isEqualTo(1);
        assertThat(unknown.stderr().strip()).startsWith("meldtown peers: sync-orchestrator at " + stackEnv.get("MELDTOWN_SYNC") + " answered 404")
                .contains("nowhere").doesNotContain("\n");
        Map<String, String> noHost = new HashMap<>(cli);
        noHost.put("MELDTOWN_SYNC", "http://no-such-host.invalid:8083");
        var unreachable = meldtown(work, noHost, "towns");
        assertThat(unreachable.exitCode()).isEqualTo(1);
        assertThat(unreachable.stderr().strip())
                .isEqualTo("meldtown towns: sync-orchestrator at http://no-such-host.invalid:8083 unreachable: unknown host no-such-host.invalid");
        Map<String, String> noToken = new HashMap<>(cli);
        noToken.remove("MELDTOWN_TOKEN");
        var usage = meldtown(work, noToken, "towns");
        assertThat(usage.exitCode()).isEqualTo(2);
        assertThat(usage.stderr().strip()).contains("MELDTOWN_TOKEN");
        var otherTenant = meldtown(work, cli, "towns", "--tenant", "acme");
        assertThat(otherTenant.exitCode()).isEqualTo(1);
        assertThat(otherTenant.stderr().strip()).contains("answered 403");

        // a peer nobody answers at: the sync runs, fails with category transport, and the exit code says so
        int closed = dev.meldtown.testkit.Ports.free();
        var put = LocalStack.send("PUT", stackEnv.get("MELDTOWN_SYNC") + "/v1/tenants/demo/towns/south/peers/gone",
                stackEnv.get("MELDTOWN_TOKEN"), Map.of("url", "http://127.0.0.1:" + closed + "/beads", "user", "fed"));
        assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
        try {
            var failed = meldtown(work, cli, "sync", "south", "gone");
            assertThat(failed.exitCode()).as(failed.stdout() + failed.stderr()).isEqualTo(4);
            assertThat(failed.stderr().strip()).startsWith("meldtown sync: south with gone failed: transport: ").doesNotContain("\n");
            assertThat(failed.stdout()).contains("transport");
        } finally {
            LocalStack.send("DELETE", stackEnv.get("MELDTOWN_SYNC") + "/v1/tenants/demo/towns/south/peers/gone", stackEnv.get("MELDTOWN_TOKEN"), null);
        }
    }

    /** {@code bin/meldtown ARGS} in a shell that has sourced the stack's env file and nothing else. */
    private static Processes.Result sourced(Path work, String... args) {
        List<String> command = new java.util.ArrayList<>(List.of("bash", "-c", "source \"$0\" && exec \"$1\"/bin/meldtown \"${@:2}\"",
                stackDir.resolve("env").toString(), ROOT.toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(work.toFile());
        for (String k : List.of("MELDTOWN_HUB", "MELDTOWN_SYNC", "MELDTOWN_TOKEN")) {
            pb.environment().remove(k);
        }
        return Processes.exec(pb, Duration.ofMinutes(10));
    }

    private static String ok(Path work, Map<String, String> env, String... args) {
        var r = meldtown(work, env, args);
        assertThat(r.exitCode()).as("meldtown %s: %s", String.join(" ", args), r.stderr()).isZero();
        return r.stdout();
    }

    private static Processes.Result meldtown(Path dir, Map<String, String> environment, String... args) {
        return LocalStack.meldtown(dir, environment, args);
    }

    @Test
    @Order(7)
    void aTakenPortGivesAClearMessageAndStartsNothing(@TempDir Path otherStack) throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Map<String, String> other = new HashMap<>(env);
            other.put("MELDTOWN_STACK_DIR", otherStack.toString());
            other.put("MELDTOWN_KAFKA_PORT", String.valueOf(taken.getLocalPort()));
            var result = run(other, Duration.ofMinutes(2), "up");
            assertThat(result.exitCode()).isNotZero();
            assertThat(result.stderr()).contains("port " + taken.getLocalPort() + " for kafka is already in use");
            assertThat(otherStack.resolve("run")).isEmptyDirectory();
        }
    }

    /**
     * Issue 15 items 3 and 5 on the running stack (after the newcomer's syncs and melds above): every metric the
     * dashboard, the alert rule file and the chart's rendered PrometheusRule name is exported by one of the three
     * services ({@code up} is Prometheus's own); the packaged services log JSON lines; and no log of the stack holds a
     * token, a password or a secret key of the stack.
     */
    @Test
    @Order(7)
    void monitoringNamesOnlyExportedMetricsAndTheLogsAreJsonWithoutSecrets() throws Exception {
        // production profile: one JSON object per line, with level and message
        for (String service : List.of("block-store-service", "merge-service", "sync-orchestrator")) {
            List<String> json = Files.readAllLines(stackDir.resolve("logs/" + service + ".log")).stream()
                    .filter(l -> l.startsWith("{")).toList();
            assertThat(json).as(service + " JSON log lines").isNotEmpty();
            for (String line : json) {
                JsonNode entry = JSON.readTree(line);
                assertThat(entry.has("level") && entry.has("message")).as(line).isTrue();
            }
        }

        List<String> secrets = new java.util.ArrayList<>();
        stackEnv.forEach((k, v) -> {
            if (k.endsWith("PASSWORD") || k.endsWith("SECRET_KEY") || k.endsWith("TOKEN")) {
                secrets.add(v);
            }
        });
        for (String file : List.of("federation", "sync-passwords-key")) {
            Files.readAllLines(stackDir.resolve("secrets/" + file)).stream().map(String::strip)
                    .filter(l -> !l.equals(stackEnv.get("TOWN_NORTH_REMOTE_USER"))).forEach(secrets::add);
        }
        assertThat(secrets).hasSizeGreaterThanOrEqualTo(6);
        var findings = new dev.meldtown.testkit.SecretScan(secrets).scanTree(stackDir.resolve("logs"));
        assertThat(findings).as("secrets in the stack's logs").isEmpty();

        java.util.Set<String> exported = new java.util.TreeSet<>();
        for (String url : List.of("BLOCK_STORE_URL", "MERGE_SERVICE_URL", "SYNC_ORCHESTRATOR_URL")) {
            HttpResponse<String> metrics = LocalStack.get(stackEnv.get(url) + "/q/metrics", null);
            assertThat(metrics.statusCode()).isEqualTo(200);
            exported.addAll(dev.meldtown.testkit.PromMetrics.parse(metrics.body()).names());
        }
        java.util.Set<String> named = new java.util.TreeSet<>(MonitoringFiles.metricNames(MonitoringFiles.dashboardExprs()));
        named.addAll(MonitoringFiles.metricNames(MonitoringFiles.ruleExprs(MonitoringFiles.alerts())));
        named.addAll(MonitoringFiles.metricNames(MonitoringFiles.ruleExprs(MonitoringFiles.renderedRules())));
        named.remove("up");
        assertThat(named).hasSizeGreaterThan(10);
        assertThat(exported).as("metrics the services export").containsAll(named);
    }

    @Test
    @Order(8)
    void downStopsExactlyTheRecordedProcesses() throws Exception {
        Map<String, String> pids = pids();
        assertThat(pids).hasSize(8);
        var result = stack("down");
        assertThat(result.exitCode()).isZero();
        for (String pid : pids.values()) {
            assertThat(ProcessHandle.of(Long.parseLong(pid)).map(ProcessHandle::isAlive).orElse(false)).as("pid " + pid).isFalse();
        }
        assertThat(Ports.listening(Integer.parseInt(env.get("MELDTOWN_SYNC_PORT")))).isFalse();
        assertThat(stack("status").exitCode()).isNotZero();
        assertThat(stack("down").stderr()).contains("nothing was running");
    }

    private static String head(String town) throws Exception {
        Properties props = new Properties();
        props.setProperty("user", stackEnv.get("TOWN_" + town + "_SQL_USER"));
        props.setProperty("password", stackEnv.get("TOWN_" + town + "_SQL_PASSWORD"));
        String url = "jdbc:mariadb://" + stackEnv.get("TOWN_" + town + "_SQL_HOST") + ":" + stackEnv.get("TOWN_" + town + "_SQL_PORT")
                + "/" + stackEnv.get("TOWN_" + town + "_DATABASE");
        try (Connection c = new org.mariadb.jdbc.Driver().connect(url, props); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT HASHOF('main')")) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static Map<String, String> pids() throws Exception {
        return local.pids();
    }

    static Processes.Result stack(String... args) {
        return local.stack(args);
    }

    static Processes.Result run(Map<String, String> environment, Duration timeout, String... args) {
        return LocalStack.run(environment, timeout, args);
    }
}
