package dev.meldtown.cli.internal;

import dev.meldtown.crdt.CanonicalJson;
import dev.meldtown.crdt.FileStorage;
import dev.meldtown.crdt.FlateStorage;
import dev.meldtown.crdt.MeldaException;
import dev.meldtown.crdt.Replica;
import dev.meldtown.crdt.ReplicaStorage;
import dev.meldtown.crdt.StorageUrls;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * Base of every verb: runs the body, turns any failure into one stderr line and an exit code (no stack traces),
 * and writes stdout with explicit {@code \n} line ends so the bytes match libmelda-tools on every platform.
 */
public abstract class Verb implements Callable<Integer> {
    public static final int EXIT_OK = 0;
    public static final int EXIT_ERROR = 1;
    public static final int EXIT_USAGE = 2;
    public static final int EXIT_INVALID = 3;

    @Spec
    protected CommandSpec spec;

    /** Set by {@link #execute} (the fast path, no picocli); otherwise picocli's {@link #spec} gives them. */
    private String name;
    private PrintWriter outWriter;
    private PrintWriter errWriter;

    @picocli.CommandLine.Option(names = "--verbose", description = "on an error, also print its causes (one line each) after the error line")
    protected boolean verbose;

    /**
     * Runs the verb with options already set (by {@link FastArgs}), without picocli: the same body, error lines and
     * exit codes as through picocli's {@code execute}.
     */
    public final int execute(String verbName, PrintWriter out, PrintWriter err) {
        this.name = verbName;
        this.outWriter = out;
        this.errWriter = err;
        return call();
    }

    private PrintWriter err() {
        return errWriter != null ? errWriter : spec.commandLine().getErr();
    }

    /** The verb's body; returns the exit code. */
    protected abstract int run() throws Exception;

    @Override
    public final Integer call() {
        int code;
        Throwable failure = null;
        try {
            code = run();
        } catch (CliError e) {
            failure = e;
            error(e.getMessage());
            code = e.exitCode();
        } catch (MeldaException e) {
            failure = e;
            error(prefix() + ": " + e.getMessage());
            code = EXIT_ERROR;
        } catch (UncheckedIOException e) {
            failure = e;
            error(prefix() + ": " + describe(e.getCause()));
            code = EXIT_ERROR;
        } catch (IOException e) {
            failure = e;
            error(prefix() + ": " + describe(e));
            code = EXIT_ERROR;
        } catch (StackOverflowError e) {
            failure = e;
            error(prefix() + ": document nested too deeply");
            code = EXIT_ERROR;
        } catch (OutOfMemoryError e) {
            failure = e;
            error(prefix() + ": out of memory (raise the heap with JAVA_TOOL_OPTIONS=-Xmx…)");
            code = EXIT_ERROR;
        } catch (Exception e) {
            failure = e;
            error(prefix() + ": internal error: " + e);
            code = EXIT_ERROR;
        } finally {
            out().flush();
        }
        if (failure != null && verbose) {
            details(failure);
        }
        return code;
    }

    /** {@code --verbose}: the failure's causes, one line each, after the error line (what the one line leaves out). */
    private void details(Throwable failure) {
        PrintWriter err = err();
        java.util.Set<Throwable> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (Throwable t = failure; t != null && seen.add(t); t = t.getCause()) {
            err.print("  cause: " + t.getClass().getName() + (t.getMessage() == null ? "" : ": " + oneLine(t.getMessage())) + "\n");
        }
        err.flush();
    }

    /** {@code meldtown <verb>}, the prefix of our own error lines. */
    protected String prefix() {
        return "meldtown " + (name != null ? name : spec.name());
    }

    static String describe(Throwable e) {
        String m = e.getMessage();
        String kind = e.getClass().getSimpleName();
        return switch (kind) {
            case "NoSuchFileException" -> "no such file: " + m;
            case "AccessDeniedException" -> "permission denied: " + m;
            case "NotDirectoryException" -> "not a directory: " + m;
            case "FileSystemException" -> m;
            default -> m == null ? kind : m;
        };
    }

    /** Collapses a message to a single line. */
    public static String oneLine(String s) {
        return s == null ? "" : s.replaceAll("\\s*[\\r\\n]+\\s*", " ").trim();
    }

    protected PrintWriter out() {
        return outWriter != null ? outWriter : spec.commandLine().getOut();
    }

    /** Writes {@code line} and a {@code \n} to stdout. */
    protected void println(String line) {
        out().print(line);
        out().print('\n');
    }

    /** Longest error line we print; longer ones are cut (a dependency's message can run to pages). */
    static final int MAX_ERROR_LINE = 500;

    /** One line on stderr, at most {@link #MAX_ERROR_LINE} characters. */
    protected void error(String message) {
        PrintWriter err = err();
        String line = oneLine(message);
        err.print(line.length() <= MAX_ERROR_LINE ? line : line.substring(0, MAX_ERROR_LINE - 1) + "…");
        err.print('\n');
        err.flush();
    }

    /** Progress of a long operation on stderr when it is a terminal ({@link Progress}); {@code doing}: e.g. "copied". */
    protected Progress progress(String doing) {
        return new Progress(prefix() + ": " + doing, err(), System::nanoTime, Progress.enabled());
    }

    /** A warning line on stderr (the command still succeeds). */
    protected void warn(String message) {
        error(prefix() + ": warning: " + message);
    }

    /** Opens a replica and warns (one line) about blocks it had to skip. */
    protected Replica open(ReplicaStorage storage) {
        Replica r = Replica.open(storage);
        warnInvalid(r);
        return r;
    }

    /** One warning line about blocks the replica had to skip, if any. */
    protected void warnInvalid(Replica r) {
        Map<String, String> invalid = r.invalidBlocks();
        if (!invalid.isEmpty()) {
            Map.Entry<String, String> first = invalid.entrySet().iterator().next();
            warn("skipped " + invalid.size() + " invalid block(s), e.g. " + first.getKey() + ": " + first.getValue());
        }
    }

    protected static ReplicaStorage storage(String url) {
        return StorageUrls.open(url);
    }

    /**
     * Opens a replica that is only read (a verb's {@code -s}): it must exist. A missing directory, a path that is
     * not a directory, a directory that holds other things but no Melda file ({@code file:///etc}), or a remote
     * location where nothing is stored is an error, not an empty replica. An existing empty directory is an
     * empty replica, as for libmelda-tools.
     */
    protected ReplicaStorage openSource(String url) {
        ReplicaStorage s = storage(url);
        try {
            requireReplica(url, s);
        } catch (RuntimeException e) {
            s.close();
            throw e;
        }
        return s;
    }

    private void requireReplica(String url, ReplicaStorage s) {
        boolean flate = s instanceof FlateStorage;
        ReplicaStorage base = s instanceof FlateStorage f ? f.inner() : s;
        if (base instanceof FileStorage fs) {
            Path root = fs.root();
            if (!Files.exists(root)) {
                throw new CliError(EXIT_ERROR, prefix() + ": no replica at " + url + ": " + root + " does not exist");
            }
            if (!Files.isDirectory(root)) {
                throw new CliError(EXIT_ERROR, prefix() + ": no replica at " + url + ": " + root + " is not a directory");
            }
            if (!holdsMeldaFiles(s) && !isEmptyDirectory(root)) {
                boolean otherKind = holdsMeldaFiles(flate ? base : new FlateStorage(base));
                throw new CliError(EXIT_ERROR, prefix() + ": not a replica: " + root + " holds no " + (flate ? "compressed " : "") + "Melda files"
                        + (otherKind ? " (it holds a " + (flate ? "plain replica: use file://" : "compressed replica: use file+flate://") + ")" : ""));
            }
            return;
        }
        if (s.list(".delta").isEmpty()) {
            throw new CliError(EXIT_ERROR, prefix() + ": no replica at " + url + ": nothing is stored there");
        }
    }

    private static boolean holdsMeldaFiles(ReplicaStorage s) {
        return !s.list(".delta").isEmpty() || !s.list(".pack").isEmpty();
    }

    private static boolean isEmptyDirectory(Path dir) {
        try (var entries = Files.list(dir)) {
            return entries.findAny().isEmpty();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    protected static String json(com.fasterxml.jackson.databind.JsonNode n) {
        return CanonicalJson.write(n);
    }
}
