package dev.meldtown.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The one definition of a standalone Kafka broker of this project (KRaft, one combined node), for the tests'
 * {@link KafkaProcess} and for the local stack ({@link StackInfra}, {@code bin/stack}): {@code server.properties},
 * {@code log4j2.properties}, the storage format with its SCRAM user, and the command line, from the jars that
 * scripts/install/kafka.sh installs. With SCRAM the client listener is {@code SASL_PLAINTEXT} and accepts only
 * SCRAM-SHA-512 (also between brokers); the KRaft controller listener stays PLAINTEXT on loopback.
 */
public final class KafkaConfig {
    public static final String VERSION = "4.4.0";
    public static final String SERVER_PROPERTIES = "server.properties";
    public static final String LOG4J = "log4j2.properties";

    private KafkaConfig() {
    }

    /** The broker's settings: listeners on loopback {@code port} and {@code controller}, data in {@code logDirs}. */
    public static List<String> serverProperties(int port, int controller, Path logDirs, KafkaProcess.Scram scram) {
        String listener = scram == null ? "PLAINTEXT" : "SASL_PLAINTEXT";
        List<String> props = new ArrayList<>(List.of(
                "process.roles=broker,controller", "node.id=1",
                "controller.quorum.voters=1@127.0.0.1:" + controller,
                "listeners=" + listener + "://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controller,
                "advertised.listeners=" + listener + "://127.0.0.1:" + port,
                "controller.listener.names=CONTROLLER", "inter.broker.listener.name=" + listener,
                "listener.security.protocol.map=" + listener + ":" + listener + ",CONTROLLER:PLAINTEXT"));
        if (scram != null) {
            props.addAll(List.of("sasl.enabled.mechanisms=" + KafkaProcess.Scram.MECHANISM,
                    "sasl.mechanism.inter.broker.protocol=" + KafkaProcess.Scram.MECHANISM,
                    "listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config=" + scram.jaasConfig()));
        }
        props.addAll(List.of("log.dirs=" + logDirs, "num.partitions=3",
                "offsets.topic.replication.factor=1", "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1", "share.coordinator.state.topic.replication.factor=1",
                "group.initial.rebalance.delay.ms=0", "auto.create.topics.enable=true"));
        return props;
    }

    /** Writes {@code server.properties} (private: it holds the SCRAM password) and {@code log4j2.properties} into {@code dir}. */
    public static void write(Path dir, int port, int controller, KafkaProcess.Scram scram) {
        try {
            Files.createDirectories(dir);
            Files2.writePrivate(dir.resolve(SERVER_PROPERTIES),
                    String.join("\n", serverProperties(port, controller, dir.resolve("logs"), scram)) + "\n");
            Files.writeString(dir.resolve(LOG4J), String.join("\n",
                    "rootLogger.level=INFO", "rootLogger.appenderRef.stdout.ref=STDOUT",
                    "appender.stdout.type=Console", "appender.stdout.name=STDOUT",
                    "appender.stdout.layout.type=PatternLayout", "appender.stdout.layout.pattern=[%d] %p %m (%c)%n",
                    "logger.kafka.name=kafka", "logger.kafka.level=INFO",
                    "logger.apache.name=org.apache.kafka", "logger.apache.level=WARN", ""));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Whether the storage in {@code dir} ({@code dir/logs}) is formatted already. */
    public static boolean formatted(Path dir) {
        return Files.exists(dir.resolve("logs/meta.properties"));
    }

    /**
     * Formats the storage of the broker configured in {@code dir} with a new cluster id; with {@code scram}, its user
     * goes into the cluster metadata at format time. The tool's output is appended to {@code log}.
     */
    public static void format(Path dir, KafkaProcess.Scram scram, Path log) {
        List<String> args = new ArrayList<>(List.of("format", "-t", org.apache.kafka.common.Uuid.randomUuid().toString(),
                "-c", dir.resolve(SERVER_PROPERTIES).toString()));
        if (scram != null) {
            args.addAll(List.of("--add-scram", KafkaProcess.Scram.MECHANISM + "=[name=" + scram.username() + ",password=" + scram.password() + "]"));
        }
        ProcessBuilder pb = command(dir, "384m", "kafka.tools.StorageTool", args.toArray(String[]::new));
        Processes.Result result = Processes.exec(pb, Duration.ofMinutes(1));
        try {
            Files.writeString(log, result.stdout() + result.stderr(), java.nio.file.StandardOpenOption.CREATE,
                    java.nio.file.StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (result.exitCode() != 0) {
            throw new IllegalStateException("kafka storage format failed with exit code " + result.exitCode() + " (log: " + log + ")");
        }
    }

    /** The broker ({@code main} {@code kafka.Kafka}) or one of its tools, run in {@code dir} with the log4j2 settings there. */
    public static ProcessBuilder command(Path dir, String heap, String main, String... args) {
        Path libs = Tools.home().resolve("kafka-" + VERSION + "/libs");
        if (!Files.isDirectory(libs)) {
            throw new IllegalStateException(libs + " is missing; run scripts/install/kafka.sh (bin/test does it for you)");
        }
        List<String> command = Tools.javaCommand(heap);
        command.addAll(List.of("-Dlog4j2.configurationFile=" + dir.resolve(LOG4J), "-cp", libs + "/*", main));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).directory(dir.toFile());
    }
}
