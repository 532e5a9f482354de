package dev.meldtown.cli;

import dev.meldtown.cli.internal.ConflictsCommand;
import dev.meldtown.cli.internal.HistoryCommand;
import dev.meldtown.cli.internal.LogCommand;
import dev.meldtown.cli.internal.MeldCommand;
import dev.meldtown.cli.internal.ReadCommand;
import dev.meldtown.cli.internal.ResolveCommand;
import dev.meldtown.cli.internal.UpdateCommand;
import dev.meldtown.cli.internal.ValueCommand;
import dev.meldtown.cli.internal.Verb;
import java.io.FileOutputStream;
import java.io.FileDescriptor;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code meldtown}: libmelda-tools 0.2.0's verbs, flags and stdout text over replica URLs ({@code memory://},
 * {@code file:///abs}, {@code file+flate:///abs}, and whatever {@link dev.meldtown.crdt.StorageProvider}s are on
 * the class path).
 *
 * <p>Every error ends with a non-zero exit code and one line on stderr (never a stack trace). Exit codes: 1 for
 * errors (bad URL, unreadable file, invalid document, corrupt data; {@code resolve -o} of an object without
 * conflicts), 2 for usage errors (and {@code resolve -w} with a revision that is not a leaf), 3 for an unknown
 * object or revision in {@code history}/{@code value} — the codes libmelda-tools uses where it has explicit ones.
 *
 * <p>Use {@link #commandLine()} to get a fully configured instance; a bare {@code new CommandLine(new Main())}
 * works as well (the verbs handle their own errors), except that usage errors then print picocli's usage text.
 */
@Command(name = "meldtown", mixinStandardHelpOptions = false,
        description = "Melda-compatible CRDT replicas: libmelda-tools' verbs over replica URLs.",
        subcommands = {ConflictsCommand.class, HistoryCommand.class, LogCommand.class, MeldCommand.class,
                ReadCommand.class, ResolveCommand.class, UpdateCommand.class, ValueCommand.class,
                CommandLine.HelpCommand.class})
public final class Main implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @CommandLine.Option(names = {"-h", "--help"}, usageHelp = true, description = "Print help information")
    boolean help;

    /** Without a verb: one line naming the verbs, exit 2 (libmelda-tools prints its usage and exits 2). */
    @Override
    public Integer call() {
        spec.commandLine().getErr().print("meldtown: missing command, one of: "
                + String.join(", ", spec.subcommands().keySet().stream().filter(k -> !k.equals("help")).sorted().toList())
                + " (see 'meldtown --help')\n");
        spec.commandLine().getErr().flush();
        return Verb.EXIT_USAGE;
    }

    /** A configured command line: one-line usage errors, UTF-8 is left to the caller's writers. */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        cl.setParameterExceptionHandler(Main::onParameterError);
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            // the verbs catch everything themselves; this is the last line of defence
            cmd.getErr().println("meldtown: " + Verb.oneLine(String.valueOf(ex)));
            cmd.getErr().flush();
            return Verb.EXIT_ERROR;
        });
        return cl;
    }

    private static int onParameterError(CommandLine.ParameterException ex, String[] args) {
        CommandLine cmd = ex.getCommandLine();
        String name = cmd.getCommandSpec().qualifiedName();
        cmd.getErr().println(name + ": " + Verb.oneLine(ex.getMessage()) + " (see '" + name + " --help')");
        cmd.getErr().flush();
        return Verb.EXIT_USAGE;
    }

    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(new OutputStreamWriter(new FileOutputStream(FileDescriptor.out), StandardCharsets.UTF_8), false);
        PrintWriter err = new PrintWriter(new OutputStreamWriter(new FileOutputStream(FileDescriptor.err), StandardCharsets.UTF_8), true);
        CommandLine cl = commandLine();
        cl.setOut(out);
        cl.setErr(err);
        int code = cl.execute(args);
        out.flush();
        err.flush();
        System.exit(code);
    }
}
