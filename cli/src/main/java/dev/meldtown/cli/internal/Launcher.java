package dev.meldtown.cli.internal;

import dev.meldtown.cli.Main;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;

/**
 * The jar's entry point. Nothing in its signatures names picocli, so that the launcher's look-up of {@code main}
 * (which resolves every method signature of the main class) loads none of it: a replica verb in its plain form runs
 * through {@link FastArgs}; anything else goes to {@link Main#run} and picocli. It ends the process with
 * {@link Runtime#halt} after flushing (see there).
 */
public final class Launcher {
    private Launcher() {
    }

    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(new OutputStreamWriter(new FileOutputStream(FileDescriptor.out), StandardCharsets.UTF_8), false);
        PrintWriter err = new PrintWriter(new OutputStreamWriter(new FileOutputStream(FileDescriptor.err), StandardCharsets.UTF_8), true);
        Verb fast = FastArgs.parse(args);
        int code = fast != null ? fast.execute(args[0], out, err) : Main.run(args, out, err);
        out.flush();
        err.flush();
        System.out.flush();
        System.err.flush();
        // halt, not System.exit: since JDK 21 Runtime.exit asks for a System.Logger ("java.lang.Runtime"), and finding
        // the LoggerFinder scans every jar on the class path for services (about 100 ms with the S3 SDK's jars there).
        // The CLI registers no shutdown hooks and has flushed its output: there is nothing else for exit to do.
        Runtime.getRuntime().halt(code);
    }
}
