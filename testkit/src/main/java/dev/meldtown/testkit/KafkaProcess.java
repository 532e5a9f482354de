package dev.meldtown.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

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
        int port = Ports.free();
        int controller = Ports.free();
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("server.properties"), String.join("\n",
                    "process.roles=broker,controller", "node.id=1",
                    "controller.quorum.voters=1@127.0.0.1:" + controller,
                    "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controller,
                    "advertised.listeners=PLAINTEXT://127.0.0.1:" + port,
                    "controller.listener.names=CONTROLLER", "inter.broker.listener.name=PLAINTEXT",
                    "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
                    "log.dirs=" + dir.resolve("logs"), "num.partitions=3",
                    "offsets.topic.replication.factor=1", "transaction.state.log.replication.factor=1",
                    "transaction.state.log.min.isr=1", "share.coordinator.state.topic.replication.factor=1",
                    "group.initial.rebalance.delay.ms=0", "auto.create.topics.enable=true", ""));
            Files.writeString(dir.resolve("port"), String.valueOf(port));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String id = Processes.run(java(dir, "kafka.tools.StorageTool", "random-uuid"), Duration.ofMinutes(1), "kafka random-uuid").trim();
        id = id.lines().reduce((a, b) -> b).orElse(id).trim();
        Processes.run(java(dir, "kafka.tools.StorageTool", "format", "-t", id, "-c", dir.resolve("server.properties").toString()),
                Duration.ofMinutes(1), "kafka storage format");
        start(dir);
        return bootstrap(dir);
    }

    public static String bootstrap(Path dir) {
        return "127.0.0.1:" + port(dir);
    }

    /** Starts the broker in {@code dir} (again) and waits until it accepts connections. */
    public static void start(Path dir) {
        if (running(dir)) {
            return;
        }
        ProcessBuilder pb = java(dir, "kafka.Kafka", dir.resolve("server.properties").toString())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("kafka.log").toFile()));
        try {
            Process process = pb.start();
            Processes.track(process);
            Files.writeString(dir.resolve("pid"), String.valueOf(process.pid()));
            Ports.awaitListening(port(dir), Duration.ofSeconds(90), process, "kafka broker in " + dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Stops the broker (SIGTERM, then SIGKILL) and waits until its port is closed. */
    public static void stop(Path dir) {
        ProcessHandle.of(pid(dir)).ifPresent(p -> {
            p.destroy();
            try {
                p.onExit().get(30, java.util.concurrent.TimeUnit.SECONDS);
            } catch (Exception e) {
                p.destroyForcibly();
            }
        });
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (Ports.listening(port(dir)) && System.nanoTime() < deadline) {
            sleep(100);
        }
    }

    public static boolean running(Path dir) {
        return Files.exists(dir.resolve("pid")) && ProcessHandle.of(pid(dir)).map(ProcessHandle::isAlive).orElse(false);
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
        try {
            return Integer.parseInt(Files.readString(dir.resolve("port")).trim());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static long pid(Path dir) {
        try {
            return Long.parseLong(Files.readString(dir.resolve("pid")).trim());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
