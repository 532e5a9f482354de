package dev.meldtown.testkit;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;

/**
 * The infrastructure of the local stack, {@code bin/stack}'s launcher (a main class run from the testkit jar and its
 * class path): the same Kafka ({@link KafkaConfig}), S3Proxy ({@link S3Process#configure}), Dolt towns ({@link DoltTown})
 * and JWT keys ({@link Jwt}, {@link Tokens}) the tests use, with the stack's secrets, ports and file layout:
 * {@code <stack>/data/<component>}, {@code <stack>/run/<component>.pid}, {@code <stack>/logs/<component>.log},
 * {@code <stack>/secrets/}, {@code <stack>/jwt/}, and the endpoints and credentials in {@code <stack>/env}.
 * Each server runs detached in its own session ({@code setsid}), so {@code bin/stack down} stops its process group.
 * <pre>
 *   StackInfra up STACK --kafka PORT --kafka-controller PORT --s3 PORT --town NAME:SQL:REMOTESAPI... \
 *       --service-url KEY=URL... [--token TENANT:ROLE]
 *       (the first town is the origin, the others start as its clones; with --token, prints that token on stdout)
 *   StackInfra token STACK TENANT [reader|writer|admin|operator]
 * </pre>
 * Messages go to stderr as {@code [meldtown] ...}; a failure is one {@code [meldtown] error: ...} line and exit code 1.
 */
public final class StackInfra {
    public static final String S3_BUCKET = "meldtown";
    public static final String S3_ACCESS_KEY = "meldtown";
    public static final String KAFKA_USER = "meldtown";
    /** The secrets a stack has, each generated once into {@code <stack>/secrets/<name>}. */
    static final List<String> SECRETS = List.of("kafka", "s3", "federation", "sync-passwords-key");

    private final Path stack;
    private final Path run;
    private final Path logs;
    private final Path data;

    private StackInfra(Path stack) {
        this.stack = stack;
        this.run = stack.resolve("run");
        this.logs = stack.resolve("logs");
        this.data = stack.resolve("data");
    }

    public static void main(String[] args) {
        try {
            if (args.length < 2) {
                throw new Failure("usage: StackInfra up|token STACK_DIR ...");
            }
            StackInfra infra = new StackInfra(Path.of(args[1]).toAbsolutePath());
            List<String> rest = List.of(args).subList(2, args.length);
            switch (args[0]) {
                case "up" -> infra.up(rest);
                case "token" -> System.out.println(infra.token(rest));
                default -> throw new Failure("unknown command '" + args[0] + "'");
            }
            System.exit(0);
        } catch (Failure | IllegalArgumentException | IllegalStateException | UncheckedIOException e) {
            System.err.println("[meldtown] error: " + e.getMessage());
            System.exit(1);
        }
    }

    /** A failure the user reads as one line. */
    static final class Failure extends RuntimeException {
        Failure(String message) {
            super(message);
        }
    }

    // ------------------------------------------------------------------ token

    String token(List<String> args) {
        if (args.isEmpty() || args.size() > 2) {
            throw new Failure("usage: bin/stack token TENANT [reader|writer|admin|operator]");
        }
        Path jwt = stack.resolve("jwt");
        Jwt.ensureKeys(jwt);
        return Tokens.stackToken(Jwt.readPrivateKey(jwt.resolve(Jwt.PRIVATE_KEY)), args.get(0), args.size() > 1 ? args.get(1) : "admin", 86400);
    }

    // ------------------------------------------------------------------ up

    record Town(String name, int sqlPort, int remotesApiPort) {
    }

    void up(List<String> args) {
        int kafkaPort = -1;
        int controllerPort = -1;
        int s3Port = -1;
        List<Town> towns = new ArrayList<>();
        Map<String, String> serviceUrls = new LinkedHashMap<>();
        String token = null;
        for (int i = 0; i < args.size(); i += 2) {
            if (i + 1 >= args.size()) {
                throw new Failure("missing value for " + args.get(i));
            }
            String value = args.get(i + 1);
            switch (args.get(i)) {
                case "--kafka" -> kafkaPort = Integer.parseInt(value);
                case "--kafka-controller" -> controllerPort = Integer.parseInt(value);
                case "--s3" -> s3Port = Integer.parseInt(value);
                case "--town" -> {
                    String[] parts = value.split(":");
                    towns.add(new Town(parts[0], Integer.parseInt(parts[1]), Integer.parseInt(parts[2])));
                }
                case "--token" -> token = value;
                case "--service-url" -> serviceUrls.put(value.substring(0, value.indexOf('=')), value.substring(value.indexOf('=') + 1));
                default -> throw new Failure("unknown option " + args.get(i));
            }
        }
        if (kafkaPort < 0 || controllerPort < 0 || s3Port < 0 || towns.isEmpty()) {
            throw new Failure("up needs --kafka, --kafka-controller, --s3 and at least one --town");
        }
        mkdirs(run, logs, data);
        for (String name : SECRETS) {
            secret(name);
        }
        for (Town town : towns) {
            secret("town-" + town.name() + "-sql");
        }
        // S3Proxy and Kafka start first (they take longest), the keys and the towns (which need neither) meanwhile.
        startS3(s3Port);
        startKafka(kafkaPort, controllerPort);
        Jwt.ensureKeys(stack.resolve("jwt"));
        Town origin = towns.get(0);
        for (Town town : towns) {
            startTown(town, town == origin ? null : origin);
        }
        waitPort("kafka", kafkaPort, Duration.ofSeconds(90));
        waitPort("s3", s3Port, Duration.ofSeconds(60));
        writeEnv(kafkaPort, s3Port, towns, serviceUrls);
        if (token != null) {
            System.out.println(token(List.of(token.split(":", 2))));
        }
    }

    // ------------------------------------------------------------------ kafka

    private KafkaProcess.Scram kafkaUser() {
        return new KafkaProcess.Scram(KAFKA_USER, secret("kafka"));
    }

    private void startKafka(int port, int controller) {
        Path dir = data.resolve("kafka");
        if (alive("kafka")) {
            // A broker started by an older bin/stack still listens in PLAINTEXT; the services now authenticate.
            if (!read(dir.resolve(KafkaConfig.SERVER_PROPERTIES)).contains("\nlisteners=SASL_PLAINTEXT://")
                    && !read(dir.resolve(KafkaConfig.SERVER_PROPERTIES)).startsWith("listeners=SASL_PLAINTEXT://")) {
                throw new Failure("kafka (pid " + pid("kafka") + ") runs with the PLAINTEXT listener of an older bin/stack: run 'bin/stack down', then 'bin/stack up'");
            }
            log("kafka already running (pid " + pid("kafka") + ")");
            return;
        }
        KafkaProcess.Scram user = kafkaUser();
        KafkaConfig.write(dir, port, controller, user);
        Path marker = dir.resolve("scram-user");
        if (!KafkaConfig.formatted(dir)) {
            try {
                KafkaConfig.format(dir, user, logs.resolve("kafka.log"));
            } catch (IllegalStateException e) {
                tail("kafka", 20);
                throw new Failure(e.getMessage());
            }
            write(marker, userMarker(user));
        } else if (!userMarker(user).equals(read(marker).trim())) {
            // Formatted before without this user (a bin/stack without SASL, or a new secret): keep the data, add the user.
            addKafkaUser(dir, controller, user);
            write(marker, userMarker(user));
        }
        log("starting kafka on 127.0.0.1:" + port + " (SASL_PLAINTEXT, " + KafkaProcess.Scram.MECHANISM + ")");
        spawn("kafka", KafkaConfig.command(dir, "512m", "kafka.Kafka", dir.resolve(KafkaConfig.SERVER_PROPERTIES).toString()));
    }

    /** What the SCRAM user was last set to (a hash, not the password): tells whether an existing log dir needs it set. */
    private static String userMarker(KafkaProcess.Scram user) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest((KafkaProcess.Scram.MECHANISM + ":" + user.username() + ":"
                    + user.password()).getBytes(StandardCharsets.UTF_8));
            return java.util.HexFormat.of().formatHex(hash);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Adds (or updates) the SCRAM user in an existing cluster without losing its data. Kafka's admin client does not alter
     * SCRAM users through the controller listener, so the broker runs briefly with a PLAINTEXT listener on a random
     * loopback port only (no client knows it), gets the user, and stops; then the real broker starts.
     */
    private void addKafkaUser(Path dir, int controller, KafkaProcess.Scram user) {
        int port = Ports.free();
        Path props = dir.resolve("add-user.properties");
        write(props, String.join("\n", KafkaConfig.serverProperties(port, controller, dir.resolve("logs"), null)) + "\n");
        log("kafka: adding SCRAM user " + user.username() + " to the existing cluster metadata (a brief start on a private loopback port)");
        Process broker = spawn("kafka", KafkaConfig.command(dir, "512m", "kafka.Kafka", props.toString()));
        try {
            waitPort("kafka", port, Duration.ofSeconds(90));
            var upsert = new UserScramCredentialUpsertion(user.username(), new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 8192),
                    user.password());
            long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + port,
                    AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000, AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10000))) {
                while (true) {
                    try {
                        admin.alterUserScramCredentials(List.of(upsert)).all().get(15, TimeUnit.SECONDS);
                        break;
                    } catch (Exception e) {
                        if (System.nanoTime() > deadline) {
                            tail("kafka", 20);
                            throw new Failure("could not add the Kafka SCRAM user " + user.username() + ": " + e.getMessage()
                                    + " (log: " + logs.resolve("kafka.log") + ")");
                        }
                        sleep(1000);
                    }
                }
            }
        } finally {
            broker.destroy();
            try {
                if (!broker.waitFor(30, TimeUnit.SECONDS)) {
                    broker.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                broker.destroyForcibly();
            }
            delete(run.resolve("kafka.pid"));
            delete(props);
        }
    }

    // ------------------------------------------------------------------ s3

    private void startS3(int port) {
        if (alive("s3")) {
            log("s3 already running (pid " + pid("s3") + ")");
            return;
        }
        Path dir = data.resolve("s3");
        S3Process.configure(dir, port, S3_ACCESS_KEY, secret("s3"), S3_BUCKET);
        log("starting s3proxy on 127.0.0.1:" + port + " (bucket " + S3_BUCKET + ")");
        spawn("s3", S3Process.command(dir, "256m"));
    }

    // ------------------------------------------------------------------ towns

    private DoltTown town(Town t) {
        return DoltTown.at(t.name(), data.resolve("towns"), secret("town-" + t.name() + "-sql"), secret("federation"),
                t.sqlPort(), t.remotesApiPort());
    }

    /** Starts a town, first creating it (as a clone of {@code origin}'s database, or fresh when it is the origin). */
    private void startTown(Town t, Town origin) {
        String name = "town-" + t.name();
        if (alive(name)) {
            log(name + " already running (pid " + pid(name) + ")");
            return;
        }
        DoltTown town = town(t);
        if (!town.created()) {
            Files2.deleteTree(town.dir());
            if (origin == null) {
                log("creating town " + t.name() + ": database " + DoltTown.DATABASE + " with a Beads-like issues table");
                town.createOrigin("Welcome to the " + t.name() + " town");
            } else {
                log("creating town " + t.name() + " as a clone of " + origin.name() + " over remotesapi");
                town.createCloneOf(town(origin).remotesApiUrl());
            }
        }
        log("starting town " + t.name() + ": SQL 127.0.0.1:" + t.sqlPort() + ", remotesapi " + t.remotesApiPort());
        spawn(name, town.serverCommand());
        waitPort(name, t.sqlPort(), Duration.ofSeconds(60));
        waitPort(name, t.remotesApiPort(), Duration.ofSeconds(30));
    }

    // ------------------------------------------------------------------ env

    /** {@code <stack>/env}: every endpoint and credential, as {@code KEY=value} lines (private: it holds the secrets). */
    private void writeEnv(int kafkaPort, int s3Port, List<Town> towns, Map<String, String> serviceUrls) {
        Map<String, String> env = new LinkedHashMap<>(serviceUrls);
        env.put("KAFKA_BOOTSTRAP", "127.0.0.1:" + kafkaPort);
        env.put("KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT");
        env.put("KAFKA_SASL_MECHANISM", KafkaProcess.Scram.MECHANISM);
        env.put("KAFKA_USERNAME", KAFKA_USER);
        env.put("KAFKA_PASSWORD", secret("kafka"));
        env.put("S3_ENDPOINT", "http://127.0.0.1:" + s3Port);
        env.put("S3_BUCKET", S3_BUCKET);
        env.put("S3_ACCESS_KEY", S3_ACCESS_KEY);
        env.put("S3_SECRET_KEY", secret("s3"));
        env.put("JWT_PUBLIC_KEY_FILE", stack.resolve("jwt").resolve(Jwt.PUBLIC_KEY).toString());
        for (Town t : towns) {
            DoltTown town = town(t);
            String prefix = "TOWN_" + t.name().toUpperCase(java.util.Locale.ROOT) + "_";
            env.put(prefix + "SQL_HOST", town.sqlHost());
            env.put(prefix + "SQL_PORT", String.valueOf(town.sqlPort()));
            env.put(prefix + "DATABASE", town.database());
            env.put(prefix + "SQL_USER", town.sqlUser());
            env.put(prefix + "SQL_PASSWORD", town.sqlPassword());
            env.put(prefix + "REMOTE_USER", town.remoteUser());
            env.put(prefix + "REMOTESAPI_URL", town.remotesApiUrl());
        }
        StringBuilder text = new StringBuilder();
        env.forEach((k, v) -> text.append(k).append('=').append(v).append('\n'));
        Path tmp = stack.resolve("env.tmp");
        write(tmp, text.toString());
        try {
            Files.move(tmp, stack.resolve("env"), java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ------------------------------------------------------------------ processes

    /** A random secret generated once per stack, kept in {@code <stack>/secrets/<name>} (letters and digits). */
    String secret(String name) {
        Path file = stack.resolve("secrets").resolve(name);
        try {
            if (!Files.exists(file) || Files.size(file) == 0) {
                Files.createDirectories(file.getParent());
                Files.setPosixFilePermissions(file.getParent(), java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
                byte[] random = new byte[18];
                new SecureRandom().nextBytes(random);
                write(file, Base64.getEncoder().encodeToString(random).replaceAll("[/+=]", "") + "\n");
            }
            return Files.readString(file).trim();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Starts {@code pb} detached in its own session ({@code setsid}: the recorded pid leads a process group that
     * {@code bin/stack down} stops), its output appended to {@code logs/<name>.log}, its pid in {@code run/<name>.pid}.
     */
    private Process spawn(String name, ProcessBuilder pb) {
        List<String> command = new ArrayList<>(List.of("setsid"));
        command.addAll(pb.command());
        pb.command(command).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logs.resolve(name + ".log").toFile()));
        try {
            Process process = pb.start();
            write(run.resolve(name + ".pid"), process.pid() + "\n");
            return process;
        } catch (IOException e) {
            throw new Failure("could not start " + name + ": " + e.getMessage());
        }
    }

    private String pid(String name) {
        Path file = run.resolve(name + ".pid");
        return Files.exists(file) ? read(file).trim() : "";
    }

    /** Whether the recorded process runs. A killed process whose parent has exited can stay a zombie: it does not run. */
    private boolean alive(String name) {
        String pid = pid(name);
        if (pid.isEmpty()) {
            return false;
        }
        long id = Long.parseLong(pid);
        if (!ProcessHandle.of(id).map(ProcessHandle::isAlive).orElse(false)) {
            return false;
        }
        try {
            String stat = Files.readString(Path.of("/proc", pid, "stat"));
            return !stat.substring(stat.lastIndexOf(')') + 1).trim().startsWith("Z");
        } catch (IOException e) {
            return false;
        }
    }

    private void waitPort(String name, int port, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!Ports.listening(port)) {
            if (!alive(name)) {
                tail(name, 30);
                throw new Failure(name + " exited before listening on port " + port + " (log: " + logs.resolve(name + ".log") + ")");
            }
            if (System.nanoTime() > deadline) {
                throw new Failure(name + " did not listen on port " + port + " within " + timeout.toSeconds() + " s (log: "
                        + logs.resolve(name + ".log") + ")");
            }
            sleep(100);
        }
    }

    private void tail(String name, int lines) {
        Path file = logs.resolve(name + ".log");
        if (Files.exists(file)) {
            List<String> all = List.of(read(file).split("\n"));
            all.subList(Math.max(0, all.size() - lines), all.size()).forEach(System.err::println);
        }
    }

    private static void log(String message) {
        System.err.println("[meldtown] " + message);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Failure("interrupted");
        }
    }

    private static void mkdirs(Path... dirs) {
        try {
            for (Path dir : dirs) {
                Files.createDirectories(dir);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void write(Path file, String content) {
        try {
            Files2.writePrivate(file, content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void delete(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
