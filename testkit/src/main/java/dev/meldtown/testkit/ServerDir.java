package dev.meldtown.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A server process that lives in a directory: its port and pid are files there ({@code port}, {@code pid}), so test
 * code in any class loader controls the same server from the directory alone ({@link KafkaProcess}, {@link S3Process}).
 */
final class ServerDir {
    private ServerDir() {
    }

    /** Starts {@code pb} (its output appended to {@code log} in the directory) and waits until the port accepts connections. */
    static void launch(Path dir, ProcessBuilder pb, String log, Duration timeout, String what) {
        pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve(log).toFile()));
        try {
            Process process = pb.start();
            Processes.track(process);
            Files.writeString(dir.resolve("pid"), String.valueOf(process.pid()));
            Ports.awaitListening(port(dir), timeout, process, what);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Stops the process and waits until its port is closed: {@code graceful} asks first (SIGTERM, SIGKILL after 30 s),
     * otherwise SIGKILL at once (an outage, not a shutdown).
     */
    static void stop(Path dir, boolean graceful) {
        ProcessHandle.of(pid(dir)).ifPresent(p -> {
            if (graceful) {
                p.destroy();
            } else {
                p.destroyForcibly();
            }
            try {
                p.onExit().get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                p.destroyForcibly();
            }
        });
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (Ports.listening(port(dir)) && System.nanoTime() < deadline) {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    static boolean running(Path dir) {
        return Files.exists(dir.resolve("pid")) && ProcessHandle.of(pid(dir)).map(ProcessHandle::isAlive).orElse(false);
    }

    static int port(Path dir) {
        return Integer.parseInt(read(dir.resolve("port")));
    }

    private static long pid(Path dir) {
        return Long.parseLong(read(dir.resolve("pid")));
    }

    private static String read(Path file) {
        try {
            return Files.readString(file).trim();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
