package dev.meldtown.cli;

import dev.meldtown.cli.internal.ConflictsCommand;
import dev.meldtown.cli.internal.FastArgs;
import dev.meldtown.cli.internal.Launcher;
import dev.meldtown.cli.internal.HistoryCommand;
import dev.meldtown.cli.internal.LogCommand;
import dev.meldtown.cli.internal.MeldCommand;
import dev.meldtown.cli.internal.ReadCommand;
import dev.meldtown.cli.internal.ResolveCommand;
import dev.meldtown.cli.internal.UpdateCommand;
import dev.meldtown.cli.internal.ValueCommand;
import dev.meldtown.cli.internal.hub.DocsCommand;
import dev.meldtown.cli.internal.hub.FederationsCommand;
import dev.meldtown.cli.internal.hub.PeersCommand;
import dev.meldtown.cli.internal.hub.RoundCommand;
import dev.meldtown.cli.internal.hub.StatusCommand;
import dev.meldtown.cli.internal.hub.SyncCommand;
import dev.meldtown.cli.internal.hub.TownsCommand;
import dev.meldtown.cli.internal.Verb;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.AutoComplete;
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
@Command(name = "meldtown", mixinStandardHelpOptions = false, versionProvider = Main.BuildInfo.class,
        description = "Melda-compatible CRDT replicas: libmelda-tools' verbs over replica URLs, and the hub's towns, syncs and federations.",
        subcommands = {ConflictsCommand.class, HistoryCommand.class, LogCommand.class, MeldCommand.class,
                ReadCommand.class, ResolveCommand.class, UpdateCommand.class, ValueCommand.class,
                DocsCommand.class, TownsCommand.class, PeersCommand.class, StatusCommand.class, SyncCommand.class, FederationsCommand.class,
                RoundCommand.class, CommandLine.HelpCommand.class, AutoComplete.GenerateCompletion.class})
public final class Main implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @CommandLine.Option(names = {"-h", "--help"}, usageHelp = true, description = "Print help information")
    boolean help;

    @CommandLine.Option(names = {"-V", "--version"}, versionHelp = true, description = "Print the version and the git revision it was built from")
    boolean version;

    /** Replica URL forms, for the help of every verb that takes one. */
    static final String URL_HELP = """

            Replica URLs:
              memory://                 in memory, gone when the command ends
              file:///abs/dir           a directory, as libmelda-tools writes it
              file+flate:///abs/dir     the same with deflated files
              s3://bucket/prefix        S3 (s3+flate:// deflated); endpoint and keys from
                                        AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID,
                                        AWS_SECRET_ACCESS_KEY, AWS_REGION
              http(s)://host/v1/tenants/T/docs/D/replicas/R
                                        a replica in the hub's block-store;
                                        token from MELDTOWN_TOKEN""";

    /** The hub verbs' environment, for their help. */
    static final String HUB_HELP = """

            Environment:
              MELDTOWN_SYNC    the sync-orchestrator, e.g. http://127.0.0.1:8083
              MELDTOWN_HUB     the block-store, e.g. http://127.0.0.1:8081
              MELDTOWN_TOKEN   a bearer token (JWT); its tenant claim is the tenant
                               unless --tenant is given
            After bin/stack up: source .stack/env (tenant demo, towns north and
            south, federation demo).
            Exit codes of the hub verbs: 0 done, 1 the service could not be asked
              or refused (one line: service, address, cause), 2 usage, 4 a sync
              ran and failed (the line names its category).""";

    /** Exit codes of the replica verbs. */
    static final String EXIT_HELP = """

            Exit codes: 0 done, 1 error (one line on stderr; --verbose adds its
              causes), 2 usage, 3 unknown object or revision (history, value).""";

    /** {@code --version}: {@code meldtown <version> (git <revision>)} from the build's generated resource. */
    public static final class BuildInfo implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            Properties p = new Properties();
            try (InputStream in = Main.class.getResourceAsStream("build.properties")) {
                if (in != null) {
                    p.load(in);
                }
            } catch (IOException e) {
                // no build information: say so below
            }
            return new String[] {"meldtown " + p.getProperty("version", "unknown") + " (git " + p.getProperty("revision", "unknown") + ")"};
        }
    }

    /** Without a verb: one line naming the verbs, exit 2 (libmelda-tools prints its usage and exits 2). */
    @Override
    public Integer call() {
        spec.commandLine().getErr().print("meldtown: missing command, one of: "
                + String.join(", ", spec.subcommands().keySet().stream().filter(k -> !k.equals("help") && !k.equals("generate-completion")).sorted().toList())
                + " (see 'meldtown --help')\n");
        spec.commandLine().getErr().flush();
        return Verb.EXIT_USAGE;
    }

    /** {@link #commandLine()} whose hub verbs read {@code env} instead of the process's environment. */
    public static CommandLine commandLine(java.util.Map<String, String> env) {
        CommandLine cl = commandLine();
        for (CommandLine sub : cl.getSubcommands().values()) {
            if (sub.getCommand() instanceof dev.meldtown.cli.internal.hub.HubVerb h) {
                h.useEnvironment(env);
            }
        }
        return cl;
    }

    /** A configured command line: one-line usage errors, UTF-8 is left to the caller's writers. */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        cl.getCommandSpec().usageMessage().footer(URL_HELP + "\n" + HUB_HELP + "\n" + EXIT_HELP);
        for (CommandLine sub : cl.getSubcommands().values()) {
            Object verb = sub.getCommand();
            if (verb instanceof dev.meldtown.cli.internal.hub.HubVerb) {
                sub.getCommandSpec().usageMessage().footer(HUB_HELP);
            } else if (verb instanceof Verb) {
                sub.getCommandSpec().usageMessage().footer(URL_HELP + "\n" + EXIT_HELP);
            }
        }
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

    /**
     * Runs one command: libmelda-tools' verbs in their plain forms without picocli ({@link FastArgs}, for start-up
     * time), everything else (hub verbs, {@code --help}, completion, any usage error) through {@link #commandLine()}.
     * The output, error lines and exit codes are the same either way.
     */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        Verb fast = FastArgs.parse(args);
        if (fast != null) {
            return fast.execute(args[0], out, err);
        }
        CommandLine cl = commandLine();
        cl.setOut(out);
        cl.setErr(err);
        return cl.execute(args);
    }

    /** As {@code java -jar meldtown-cli.jar} (whose entry point is {@link Launcher}). */
    public static void main(String[] args) {
        Launcher.main(args);
    }
}
