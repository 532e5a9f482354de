package dev.meldtown.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A real standalone Kafka broker (KRaft, combined node) as a separate process, configured as {@link KafkaConfig}
 * defines it (the local stack's broker is the same). Unlike the in-JVM broker it can be stopped and started again on the same
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
        KafkaConfig.write(dir, port, controller, scram);
        try {
            Files.writeString(dir.resolve("port"), String.valueOf(port));
            if (scram != null) {
                Files2.writePrivate(dir.resolve("scram"), scram.username() + "\n" + scram.password() + "\n");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        KafkaConfig.format(dir, scram, dir.resolve("kafka.log"));
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

    public static String bootstrap(Path dir) {
        return "127.0.0.1:" + port(dir);
    }

    /** Starts the broker in {@code dir} (again) and waits until it accepts connections. */
    public static void start(Path dir) {
        if (running(dir)) {
            return;
        }
        ServerDir.launch(dir, KafkaConfig.command(dir, "384m", "kafka.Kafka", dir.resolve(KafkaConfig.SERVER_PROPERTIES).toString()), "kafka.log",
                Duration.ofSeconds(90), "kafka broker in " + dir);
    }

    /** Stops the broker (SIGTERM, then SIGKILL) and waits until its port is closed. */
    public static void stop(Path dir) {
        ServerDir.stop(dir, true);
    }

    public static boolean running(Path dir) {
        return ServerDir.running(dir);
    }

    private static int port(Path dir) {
        return ServerDir.port(dir);
    }
}
