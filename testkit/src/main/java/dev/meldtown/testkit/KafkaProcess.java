package dev.meldtown.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A real standalone Kafka broker (KRaft, combined node) as a separate process, from the jars that
 * scripts/install/kafka.sh installs. Unlike the in-JVM broker it can be stopped and started again on the same
 * port with its data, which is what "Kafka is down" tests need. Every operation works from the directory alone
 * (pid file inside), so test code in another class loader can control the same broker.
 */
public final class KafkaProcess {
    private KafkaProcess() {
    }

    /** Creates, formats and starts a broker in {@code dir} on a free port; returns the bootstrap address. */
    public static String create(Path dir) {
        return create(dir, null);
    }

    /**
     * As {@link #create(Path)}; with {@code scram} the client listener is {@code SASL_PLAINTEXT} and accepts only
     * SCRAM-SHA-512 with those credentials (created at storage format time, also used between brokers), while the
     * KRaft controller listener stays PLAINTEXT on loopback. Clients get their settings from {@link #clientConfig(Path)}.
     */
    public static String create(Path dir, Scram scram) {
        int port = Ports.free();
        int controller = Ports.free();
        String listener = scram == null ? "PLAINTEXT" : "SASL_PLAINTEXT";
        try {
            Files.createDirectories(dir);
            List<String> props = new java.util.ArrayList<>(List.of(
                    "process.roles=broker,controller", "node.id=1",
                    "controller.quorum.voters=1@127.0.0.1:" + controller,
                    "listeners=" + listener + "://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controller,
                    "advertised.listeners=" + listener + "://127.0.0.1:" + port,
                    "controller.listener.names=CONTROLLER", "inter.broker.listener.name=" + listener,
                    "listener.security.protocol.map=" + listener + ":" + listener + ",CONTROLLER:PLAINTEXT",
                    "log.dirs=" + dir.resolve("logs"), "num.partitions=3",
                    "offsets.topic.replication.factor=1", "transaction.state.log.replication.factor=1",
                    "transaction.state.log.min.isr=1", "share.coordinator.state.topic.replication.factor=1",
                    "group.initial.rebalance.delay.ms=0", "auto.create.topics.enable=true"));
            if (scram != null) {
                props.addAll(List.of("sasl.enabled.mechanisms=" + Scram.MECHANISM,
                        "sasl.mechanism.inter.broker.protocol=" + Scram.MECHANISM,
                        "listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config=" + scram.jaasConfig()));
            }
            props.add("");
            writePrivate(dir.resolve("server.properties"), String.join("\n", props));
            Files.writeString(dir.resolve("port"), String.valueOf(port));
            if (scram != null) {
                writePrivate(dir.resolve("scram"), scram.username() + "\n" + scram.password() + "\n");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String id = Processes.run(java(dir, "kafka.tools.StorageTool", "random-uuid"), Duration.ofMinutes(1), "kafka random-uuid").trim();
        id = id.lines().reduce((a, b) -> b).orElse(id).trim();
        List<String> format = new java.util.ArrayList<>(List.of("format", "-t", id, "-c", dir.resolve("server.properties").toString()));
        if (scram != null) {
            format.addAll(List.of("--add-scram", Scram.MECHANISM + "=[name=" + scram.username() + ",password=" + scram.password() + "]"));
        }
        Processes.run(java(dir, "kafka.tools.StorageTool", format.toArray(String[]::new)), Duration.ofMinutes(1), "kafka storage format");
        start(dir);
        return bootstrap(dir);
    }

    /** SCRAM-SHA-512 credentials for a broker's client listener. */
    public record Scram(String username, String password) {
        public static final String MECHANISM = "SCRAM-SHA-512";

        /** A user {@code meldtown} with a random password (letters and digits). */
        public static Scram random() {
            return new Scram("meldtown", java.util.UUID.randomUUID().toString().replace("-", ""));
        }

        /** The client login module line (what {@code KAFKA_USERNAME}/{@code KAFKA_PASSWORD} become in a service). */
        public String jaasConfig() {
            return "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + username
                    + "\" password=\"" + password + "\";";
        }

        /** Client settings that authenticate as this user. */
        public Map<String, Object> clientConfig(String bootstrap) {
            return Map.of("bootstrap.servers", bootstrap, "security.protocol", "SASL_PLAINTEXT", "sasl.mechanism", MECHANISM,
                    "sasl.jaas.config", jaasConfig());
        }

        @Override
        public String toString() {
            return "Scram[" + username + ", password hidden]";
        }
    }

    /** The SCRAM credentials the broker in {@code dir} was created with, or null for a PLAINTEXT broker. */
    public static Scram scram(Path dir) {
        Path file = dir.resolve("scram");
        if (!Files.exists(file)) {
            return null;
        }
        try {
            List<String> lines = Files.readAllLines(file);
            return new Scram(lines.get(0), lines.get(1));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What a client of the broker in {@code dir} needs: the bootstrap address and, for a SCRAM broker, its credentials. */
    public static Map<String, Object> clientConfig(Path dir) {
        Scram scram = scram(dir);
        return scram == null ? Map.of("bootstrap.servers", bootstrap(dir)) : scram.clientConfig(bootstrap(dir));
    }

    private static void writePrivate(Path file, String content) throws IOException {
        Files.deleteIfExists(file);
        Files.createFile(file, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file, content);
    }

    public static String bootstrap(Path dir) {
        return "127.0.0.1:" + port(dir);
    }

    /** Starts the broker in {@code dir} (again) and waits until it accepts connections. */
    public static void start(Path dir) {
        if (running(dir)) {
            return;
        }
        ServerDir.launch(dir, java(dir, "kafka.Kafka", dir.resolve("server.properties").toString()), "kafka.log",
                Duration.ofSeconds(90), "kafka broker in " + dir);
    }

    /** Stops the broker (SIGTERM, then SIGKILL) and waits until its port is closed. */
    public static void stop(Path dir) {
        ServerDir.stop(dir, true);
    }

    public static boolean running(Path dir) {
        return ServerDir.running(dir);
    }

    private static ProcessBuilder java(Path dir, String main, String... args) {
        Path libs = Tools.home().resolve("kafka-4.4.0/libs");
        if (!Files.isDirectory(libs)) {
            throw new IllegalStateException(libs + " is missing; run scripts/install/kafka.sh (bin/test does it for you)");
        }
        List<String> command = new java.util.ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx384m", "-cp", libs + "/*", main));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).directory(dir.toFile());
    }

    private static int port(Path dir) {
        return ServerDir.port(dir);
    }
}
