package dev.meldtown.testkit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/** Child processes of tests: run-to-completion helpers, and a JVM-exit hook so no server outlives a test run. */
public final class Processes {
    private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(p -> p.descendants().forEach(ProcessHandle::destroyForcibly)), "meldtown-testkit-reaper"));
        Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(Process::destroyForcibly), "meldtown-testkit-reaper2"));
    }

    private Processes() {
    }

    static void track(Process process) {
        LIVE.add(process);
    }

    static void stop(Process process, Duration grace) {
        try {
            process.destroy();
            if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor(grace.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        } finally {
            LIVE.remove(process);
        }
    }

    /** Result of a finished command. */
    public record Result(int exitCode, String stdout, String stderr) {
    }

    /** Runs a command to completion; stdout and stderr are captured separately. */
    public static Result exec(ProcessBuilder pb, Duration timeout) {
        try {
            Process process = pb.start();
            track(process);
            try {
                var out = drain(process.getInputStream());
                var err = drain(process.getErrorStream());
                if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    process.destroyForcibly();
                    throw new IllegalStateException("timed out after " + timeout + ": " + pb.command());
                }
                return new Result(process.exitValue(), out.get(), err.get());
            } finally {
                LIVE.remove(process);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not run " + pb.command(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted: " + pb.command(), e);
        }
    }

    /** Runs a command that must succeed; returns its output, or throws with the output in the message. */
    static String run(ProcessBuilder pb, Duration timeout, String what) {
        Result result = exec(pb, timeout);
        if (result.exitCode() != 0) {
            throw new IllegalStateException(what + " failed with exit code " + result.exitCode() + ": " + result.stdout() + result.stderr());
        }
        return result.stdout() + result.stderr();
    }

    private static java.util.function.Supplier<String> drain(InputStream in) {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        Thread t = new Thread(() -> {
            try (in) {
                in.transferTo(buffer);
            } catch (IOException ignored) {
                // the process went away
            }
        }, "meldtown-drain");
        t.setDaemon(true);
        t.start();
        return () -> {
            try {
                t.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return buffer.toString(StandardCharsets.UTF_8);
        };
    }
}
