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
