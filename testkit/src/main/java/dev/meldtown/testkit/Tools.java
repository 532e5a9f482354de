package dev.meldtown.testkit;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Locates the binaries that the project's installers (scripts/install/*.sh) put in the per-user tool
 * directory. A missing tool is an error, never a reason to skip: bin/test installs them first.
 */
public final class Tools {
    private Tools() {
    }

    /** The per-user tool directory, the same rule as scripts/lib.sh. */
    public static Path home() {
        String explicit = System.getenv("MELDTOWN_HOME");
        if (explicit != null && !explicit.isBlank()) {
            return Path.of(explicit);
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path cache = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return cache.resolve("meldtown");
    }

    /**
     * Extra options for the long-running JVMs a stack or a test starts (services, Kafka, S3Proxy):
     * {@code MELDTOWN_JAVA_OPTS}, split on whitespace; none when unset. {@code bin/test} sets
     * {@code -XX:TieredStopAtLevel=1} (C1 only: a third to a half less CPU in side-by-side runs on our 2 cores).
     */
    public static java.util.List<String> javaOptions() {
        String opts = System.getenv("MELDTOWN_JAVA_OPTS");
        return opts == null || opts.isBlank() ? java.util.List.of() : java.util.List.of(opts.trim().split("\\s+"));
    }

    /** The start of a command that runs this JVM's {@code java} with {@code heap} and {@link #javaOptions()}. */
    public static java.util.List<String> javaCommand(String heap) {
        java.util.List<String> command = new java.util.ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx" + heap);
        command.addAll(javaOptions());
        return command;
    }

    /** The Dolt binary built by scripts/install/dolt.sh (override with DOLT_BIN). */
    public static Path dolt() {
        return require("DOLT_BIN", home().resolve("dolt/bin/dolt"), "scripts/install/dolt.sh");
    }

    /** The libmelda-tools binary installed by scripts/install/melda-tools.sh (override with MELDA_BIN). */
    public static Path melda() {
        return require("MELDA_BIN", home().resolve("libmelda-tools-0.2.0/bin/libmelda-tools"), "scripts/install/melda-tools.sh");
    }

    private static Path require(String env, Path fallback, String installer) {
        String override = System.getenv(env);
        Path path = override != null && !override.isBlank() ? Path.of(override) : fallback;
        if (!Files.isExecutable(path)) {
            throw new IllegalStateException(path + " is missing; run " + installer + " (bin/test does it for you)");
        }
        return path;
    }
}
