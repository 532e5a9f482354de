package dev.meldtown.testkit;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** The reference peer: the real libmelda-tools 0.2.0 binary, run as a process. */
public final class MeldaTools {
    private final Path binary;

    private MeldaTools(Path binary) {
        this.binary = binary;
    }

    /** Locates the installed binary; throws (never skips) when it is missing. */
    public static MeldaTools locate() {
        return new MeldaTools(Tools.melda());
    }

    public Path binary() {
        return binary;
    }

    /** Runs {@code libmelda-tools args...} in {@code workDir}; libmelda-tools may panic, so the exit code is returned, not checked. */
    public Processes.Result run(Path workDir, Duration timeout, String... args) {
        List<String> command = new ArrayList<>();
        command.add(binary.toString());
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(workDir.toFile());
        return Processes.exec(pb, timeout);
    }

    public Processes.Result run(Path workDir, String... args) {
        return run(workDir, Duration.ofMinutes(2), args);
    }
}
