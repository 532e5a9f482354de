package dev.meldtown.acceptance;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.meldtown.testkit.Ports;
import dev.meldtown.testkit.Processes;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The three services' container images, as built by {@code ./mvnw -Pimages package} (images/README.md), run under
 * podman the way the Helm chart runs them: non-root, read-only root filesystem with a writable {@code /tmp}, every
 * capability dropped, the JWT public key mounted as a file. Each must become ready against a real local stack
 * ({@code bin/stack up}: Kafka, S3, two Dolt towns). Tagged {@code images}: it runs in the {@code images} profile, which
 * builds the images first ({@code bin/test} uses it).
 */
@Tag("images")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ContainerImagesTest {
    static final Path ROOT = LocalStack.ROOT;
    static final String TAG = System.getProperty("meldtown.image.tag", "0.1.0");
    static final String USER = "10001:10001";
    /** Every podman call names the project's containers.conf (runc, explicit ulimits). */
    static final Path CONTAINERS_CONF = ROOT.resolve("scripts/containers/containers.conf");
    static final String RUN = Long.toHexString(System.nanoTime());

    @TempDir
    static Path stackDir;
    static LocalStack local;
    static final List<String> containers = new ArrayList<>();

    @BeforeAll
    static void up() throws Exception {
        local = LocalStack.up(stackDir);
        assertThat(local.upExitCode).as(local.upOutput).isZero();
    }

    @AfterAll
    static void down() throws Exception {
        for (String name : containers) {
            podman(Map.of(), "rm", "--force", "--time", "5", name);
        }
        if (local != null) {
            local.down();
        }
    }

    static String image(String service) {
        return "localhost/meldtown/" + service + ":" + TAG;
    }

    static Processes.Result podman(Map<String, String> env, String... args) {
        List<String> command = new ArrayList<>(List.of("podman"));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(ROOT.toFile());
        pb.environment().put("CONTAINERS_CONF", CONTAINERS_CONF.toString());
        pb.environment().putAll(env);
        return Processes.exec(pb, Duration.ofMinutes(3));
    }

    static String podmanOk(String... args) {
        Processes.Result r = podman(Map.of(), args);
        assertThat(r.exitCode()).as("podman %s: %s%s", String.join(" ", args), r.stdout(), r.stderr()).isZero();
        return r.stdout();
    }

    static JsonNode inspect(String image) throws IOException {
        return LocalStack.JSON.readTree(podmanOk("image", "inspect", image)).get(0);
    }

    static List<String> texts(JsonNode array) {
        return StreamSupport.stream(array.spliterator(), false).map(JsonNode::asText).toList();
    }

    static String git(String... args) {
        List<String> command = new ArrayList<>(List.of("git", "-c", "safe.directory=*", "-C", ROOT.toString()));
        command.addAll(List.of(args));
        Processes.Result r = Processes.exec(new ProcessBuilder(command), Duration.ofSeconds(30));
        assertThat(r.exitCode()).as(r.stderr()).isZero();
        return r.stdout().trim();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"block-store-service", "merge-service", "sync-orchestrator"})
    @Order(1)
    void imageIsNonRootLabelledAndLayeredAsAFastJar(String service) throws Exception {
        JsonNode image = inspect(image(service));
        JsonNode config = image.path("Config");
        assertThat(config.path("User").asText()).isEqualTo(USER);
        assertThat(config.path("ExposedPorts").has("8080/tcp")).as("exposes 8080").isTrue();
        List<String> env = texts(config.path("Env"));
        assertThat(env).contains("HTTP_HOST=0.0.0.0", "HTTP_PORT=8080");
        assertThat(env).anyMatch(e -> e.startsWith("JAVA_OPTS=") && e.contains("-XX:MaxRAMPercentage=75"));

        JsonNode labels = config.path("Labels");
        assertThat(labels.path("org.opencontainers.image.title").asText()).isEqualTo(service);
        assertThat(labels.path("org.opencontainers.image.version").asText()).isEqualTo(TAG);
        assertThat(labels.path("org.opencontainers.image.revision").asText())
                .as("the image is built from this checkout's HEAD (./mvnw -Pimages package rebuilds it)").isEqualTo(git("rev-parse", "HEAD"));
        assertThat(labels.path("org.opencontainers.image.source").asText()).startsWith("https://");
        // The label states the project's licence, which is the one in LICENSE.
        assertThat(labels.path("org.opencontainers.image.licenses").asText()).isEqualTo("Apache-2.0");
        assertThat(Files.readString(ROOT.resolve("LICENSE"))).contains("Apache License", "Version 2.0");

        // The base's layers, then one layer per fast-jar part, least often changed first.
        String base = labels.path("org.opencontainers.image.base.name").asText();
        List<String> baseLayers = texts(inspect(base).path("RootFS").path("Layers"));
        List<String> layers = texts(image.path("RootFS").path("Layers"));
        assertThat(layers).hasSize(baseLayers.size() + 5).startsWith(baseLayers.toArray(String[]::new));
        List<String> copies = new ArrayList<>(podmanOk("history", "--no-trunc", "--format", "{{.CreatedBy}}", image(service))
                .lines().filter(l -> l.contains(" COPY ")).map(l -> l.substring(l.lastIndexOf(" in ") + 4).trim()).toList());
        java.util.Collections.reverse(copies);
        assertThat(copies).containsExactly("/app/lib/boot/", "/app/lib/main/", "/app/", "/app/quarkus/", "/app/app/");

        // The archive the Kubernetes node imports: the same image under the same name.
        Path archive = ROOT.resolve(service + "/target/image/" + service + ".tar");
        assertThat(archive).isRegularFile();
        Processes.Result manifest = Processes.exec(new ProcessBuilder("tar", "-xOf", archive.toString(), "manifest.json"),
                Duration.ofMinutes(1));
        assertThat(manifest.exitCode()).as(manifest.stderr()).isZero();
        JsonNode entry = LocalStack.JSON.readTree(manifest.stdout()).get(0);
        assertThat(texts(entry.path("RepoTags"))).containsExactly(image(service));
        assertThat(entry.path("Layers").size()).isEqualTo(layers.size());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"block-store-service", "merge-service", "sync-orchestrator"})
    @Order(2)
    void containerBecomesReadyAgainstTheLocalStackAsNonRootOnAReadOnlyRoot(String service) throws Exception {
        int port = Ports.free();
        String name = "meldtown-test-" + service + "-" + RUN;
        // The stack's endpoints and secrets reach the container as environment variables named on the command line
        // without values (podman copies them from its own environment), never as arguments.
        Map<String, String> env = new HashMap<>(Map.of("KAFKA_BOOTSTRAP", local.get("KAFKA_BOOTSTRAP"),
                "S3_ENDPOINT", local.get("S3_ENDPOINT"), "S3_BUCKET", local.get("S3_BUCKET"),
                "S3_ACCESS_KEY", local.get("S3_ACCESS_KEY"), "S3_SECRET_KEY", local.get("S3_SECRET_KEY"),
                "MELDTOWN_SYNC_SECRET_KEY", Files.readString(stackDir.resolve("secrets/sync-passwords-key")).trim(),
                "HTTP_PORT", String.valueOf(port)));
        env.putAll(dev.meldtown.testkit.StackEnv.kafkaServiceEnv(local.stackEnv)); // the stack's Kafka authenticates (SCRAM)
        StringBuilder append = new StringBuilder("-Dmeldtown.image.test=" + RUN);
        if (service.equals("sync-orchestrator")) {
            // Its readiness checks each configured town's SQL server.
            for (String town : List.of("north", "south")) {
                String t = town.toUpperCase();
                append.append(" -Dmeldtown.sync.towns.").append(town).append(".host=").append(local.get("TOWN_" + t + "_SQL_HOST"))
                        .append(" -Dmeldtown.sync.towns.").append(town).append(".port=").append(local.get("TOWN_" + t + "_SQL_PORT"))
                        .append(" -Dmeldtown.sync.towns.").append(town).append(".database=").append(local.get("TOWN_" + t + "_DATABASE"))
                        .append(" -Dmeldtown.sync.towns.").append(town).append(".user=").append(local.get("TOWN_" + t + "_SQL_USER"))
                        .append(" -Dmeldtown.sync.towns.").append(town).append(".password=").append(local.get("TOWN_" + t + "_SQL_PASSWORD"))
                        .append(" -Dmeldtown.sync.towns.").append(town).append(".remotes-api-url=")
                        .append(local.get("TOWN_" + t + "_REMOTESAPI_URL"))
                        .append(" -Dmeldtown.sync.towns.").append(town).append(".remote-user=").append(local.get("TOWN_" + t + "_REMOTE_USER"));
            }
        }
        env.put("JAVA_OPTS_APPEND", append.toString());
        List<String> args = new ArrayList<>(List.of("run", "--detach", "--name", name, "--network", "host",
                "--read-only", "--tmpfs", "/tmp:rw,mode=1777,size=64m", "--user", USER, "--cap-drop", "ALL",
                "--security-opt", "no-new-privileges", "--memory", "768m",
                "--volume", local.get("JWT_PUBLIC_KEY_FILE") + ":/etc/meldtown/jwt/public.pem:ro"));
        for (String key : env.keySet()) {
            args.add("--env");
            args.add(key);
        }
        args.add(image(service));
        containers.add(name);
        Processes.Result run = podman(env, args.toArray(String[]::new));
        assertThat(run.exitCode()).as("podman run: %s%s", run.stdout(), run.stderr()).isZero();

        String url = "http://127.0.0.1:" + port + "/q/health/ready";
        boolean ready = LocalStack.await(Duration.ofMinutes(3), () -> LocalStack.answers200(url));
        assertThat(ready).as("%s did not become ready; its log:\n%s", service, logs(name)).isTrue();
        HttpResponse<String> readiness = LocalStack.get(url, null);
        JsonNode health = LocalStack.JSON.readTree(readiness.body());
        assertThat(health.path("status").asText()).isEqualTo("UP");
        assertThat(health.path("checks")).isNotEmpty().allSatisfy(c -> assertThat(c.path("status").asText()).isEqualTo("UP"));
        assertThat(health.toString()).contains("S3 bucket", "Kafka");

        // Not root; the JVM runs with the image's container flags plus JAVA_OPTS_APPEND; the root filesystem is read-only.
        assertThat(podmanOk("exec", name, "id", "-u").trim()).isEqualTo("10001");
        assertThat(podmanOk("exec", name, "id", "-g").trim()).isEqualTo("10001");
        String cmdline = podmanOk("exec", name, "cat", "/proc/1/cmdline").replace('\0', ' ');
        assertThat(cmdline).contains("-XX:MaxRAMPercentage=75", "-Dmeldtown.image.test=" + RUN, "-jar /app/quarkus-run.jar");
        Processes.Result write = podman(Map.of(), "exec", name, "touch", "/app/written");
        assertThat(write.exitCode()).as("writing to the root filesystem must fail").isNotZero();
        assertThat(write.stderr() + write.stdout()).contains("Read-only file system");
        podmanOk("rm", "--force", "--time", "10", name);
    }

    @Test
    @Order(3)
    void listensOnPort8080OfEveryInterfaceByDefault() throws Exception {
        // Podman's own network with a published port: the connection arrives on the container's interface, not on
        // its loopback, so this proves the default HTTP_HOST=0.0.0.0 and HTTP_PORT=8080. Liveness needs no dependency.
        int port = Ports.free();
        String name = "meldtown-test-default-port-" + RUN;
        containers.add(name);
        podmanOk("run", "--detach", "--name", name, "--publish", "127.0.0.1:" + port + ":8080", "--read-only",
                "--tmpfs", "/tmp:rw,mode=1777,size=64m", "--cap-drop", "ALL",
                "--volume", local.get("JWT_PUBLIC_KEY_FILE") + ":/etc/meldtown/jwt/public.pem:ro",
                image("block-store-service"));
        String url = "http://127.0.0.1:" + port + "/q/health/live";
        boolean live = LocalStack.await(Duration.ofMinutes(3), () -> LocalStack.answers200(url));
        assertThat(live).as("block-store-service did not answer on the published port 8080; its log:\n%s", logs(name)).isTrue();
        assertThat(LocalStack.JSON.readTree(LocalStack.get(url, null).body()).path("status").asText()).isEqualTo("UP");
        // the whole log: on a busy machine the health checks' warnings about the absent Kafka push this line out of the tail
        assertThat(wholeLog(name)).contains("Listening on: http://0.0.0.0:8080");
        podmanOk("rm", "--force", "--time", "10", name);
    }

    static String logs(String name) {
        Processes.Result r = podman(Map.of(), "logs", "--tail", "40", name);
        return r.stdout() + r.stderr();
    }

    static String wholeLog(String name) {
        Processes.Result r = podman(Map.of(), "logs", name);
        return r.stdout() + r.stderr();
    }
}
