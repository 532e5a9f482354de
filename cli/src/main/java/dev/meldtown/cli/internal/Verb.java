package dev.meldtown.cli.internal;

import dev.meldtown.crdt.CanonicalJson;
import dev.meldtown.crdt.MeldaException;
import dev.meldtown.crdt.Replica;
import dev.meldtown.crdt.ReplicaStorage;
import dev.meldtown.crdt.StorageUrls;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
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

    /** The verb's body; returns the exit code. */
    protected abstract int run() throws Exception;

    @Override
    public final Integer call() {
        int code;
        try {
            code = run();
        } catch (CliError e) {
            error(e.getMessage());
            code = e.exitCode();
        } catch (MeldaException e) {
            error(prefix() + ": " + e.getMessage());
            code = EXIT_ERROR;
        } catch (UncheckedIOException e) {
            error(prefix() + ": " + describe(e.getCause()));
            code = EXIT_ERROR;
        } catch (IOException e) {
            error(prefix() + ": " + describe(e));
            code = EXIT_ERROR;
        } catch (StackOverflowError e) {
            error(prefix() + ": document nested too deeply");
            code = EXIT_ERROR;
        } catch (OutOfMemoryError e) {
            error(prefix() + ": out of memory (raise the heap with JAVA_TOOL_OPTIONS=-Xmx…)");
            code = EXIT_ERROR;
        } catch (Exception e) {
            error(prefix() + ": internal error: " + e);
            code = EXIT_ERROR;
        } finally {
            out().flush();
        }
        return code;
    }

    /** {@code meldtown <verb>}, the prefix of our own error lines. */
    protected String prefix() {
        return "meldtown " + spec.name();
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
        return spec.commandLine().getOut();
    }

    /** Writes {@code line} and a {@code \n} to stdout. */
    protected void println(String line) {
        out().print(line);
        out().print('\n');
    }

    /** One line on stderr. */
    protected void error(String message) {
        PrintWriter err = spec.commandLine().getErr();
        err.print(oneLine(message));
        err.print('\n');
        err.flush();
    }

    /** A warning line on stderr (the command still succeeds). */
    protected void warn(String message) {
        error(prefix() + ": warning: " + message);
    }

    /** Opens a replica and warns (one line) about blocks it had to skip. */
    protected Replica open(ReplicaStorage storage) {
        Replica r = Replica.open(storage);
        Map<String, String> invalid = r.invalidBlocks();
        if (!invalid.isEmpty()) {
            Map.Entry<String, String> first = invalid.entrySet().iterator().next();
            warn("skipped " + invalid.size() + " invalid block(s), e.g. " + first.getKey() + ": " + first.getValue());
        }
        return r;
    }

    protected static ReplicaStorage storage(String url) {
        return StorageUrls.open(url);
    }

    protected static String json(com.fasterxml.jackson.databind.JsonNode n) {
        return CanonicalJson.write(n);
    }
}
