package dev.meldtown.cli.internal;

import java.nio.file.Path;
import java.util.function.IntSupplier;

/**
 * What a command takes from the process that asked for it, when that process is not this JVM: the
 * {@link CliDaemon} runs each client's command on its own thread, with the client's working directory (for relative
 * {@code -j} paths) and whether the client's stderr is a terminal (for {@link Progress}). In a command that runs in
 * its own process, neither is set and the process's own apply.
 */
final class Invocation {
    private record Context(Path workingDirectory, boolean progress) {
    }

    private static final ThreadLocal<Context> CURRENT = new ThreadLocal<>();

    private Invocation() {
    }

    /** Runs {@code command} on this thread as asked by a client in {@code workingDirectory}. */
    static int as(Path workingDirectory, boolean progress, IntSupplier command) {
        CURRENT.set(new Context(workingDirectory, progress));
        try {
            return command.getAsInt();
        } finally {
            CURRENT.remove();
        }
    }

    /** {@code path} as the asking process would open it (relative to its working directory). */
    static Path resolve(Path path) {
        Context c = CURRENT.get();
        return c == null || path.isAbsolute() ? path : c.workingDirectory().resolve(path);
    }

    /** Whether the asking process shows progress: its stderr is a terminal ({@code bin/meldtown} found). */
    static boolean progress() {
        Context c = CURRENT.get();
        return c != null ? c.progress() : "true".equals(System.getProperty("meldtown.progress"));
    }
}
