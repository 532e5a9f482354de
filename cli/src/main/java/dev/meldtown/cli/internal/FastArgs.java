package dev.meldtown.cli.internal;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;

/**
 * The start-up fast path for libmelda-tools' verbs ({@code read}, {@code update}, {@code meld}, {@code log},
 * {@code conflicts}, {@code history}, {@code value}, {@code resolve}): a plain parser that sets the verb's fields
 * without loading picocli (about 180 classes, reflection over the annotations, and class files too old for CDS or
 * the AOT cache).
 *
 * <p>It accepts only the plain, well-formed forms: {@code -x VALUE}, {@code --long VALUE}, {@code --long=VALUE}
 * and flags, each option at most once, every required option present, no value that starts with {@code -}, no
 * {@code @file} argument. Anything else — {@code --help}, an unknown or repeated option, a missing value, clustered
 * short options, {@code --}, {@code -sVALUE} — returns {@code null}, and picocli parses the same arguments, so its
 * usage and error texts stay exactly what they are. The option table mirrors the verbs' {@code @Option}s;
 * {@code FastArgsTest} checks it against picocli's model, so the two cannot drift apart.
 */
public final class FastArgs {
    /** One option: its short and long names, whether it takes a value, and whether it is required. */
    record Opt(String shortName, String longName, boolean takesValue, boolean required) {
    }

    private static final Opt VERBOSE = new Opt(null, "--verbose", false, false);
    private static final Opt JSON = new Opt(null, "--json", false, false);
    private static final Opt SOURCE = new Opt("-s", "--source", true, true);
    private static final Opt TARGET = new Opt("-t", "--target", true, true);
    private static final Opt BLOCK = new Opt("-b", "--block", true, false);
    private static final Opt OBJECT = new Opt("-o", "--object", true, true);

    private FastArgs() {
    }

    /** The options {@code verb} accepts on the fast path, or {@code null} for a verb it does not handle. */
    static Opt[] options(String verb) {
        return switch (verb) {
            case "read" -> new Opt[] {SOURCE, BLOCK, new Opt(null, "--partial", false, false), JSON, VERBOSE};
            case "update" -> new Opt[] {TARGET, new Opt("-j", "--jsonfile", true, true), new Opt("-a", "--author", true, false),
                new Opt("-d", "--description", true, false), VERBOSE};
            case "meld" -> new Opt[] {SOURCE, TARGET, VERBOSE};
            case "log" -> new Opt[] {SOURCE, BLOCK, JSON, VERBOSE};
            case "conflicts" -> new Opt[] {SOURCE, JSON, VERBOSE};
            case "history" -> new Opt[] {SOURCE, OBJECT, JSON, VERBOSE};
            case "value" -> new Opt[] {SOURCE, OBJECT, new Opt("-r", "--revision", true, false), JSON, VERBOSE};
            case "resolve" -> new Opt[] {TARGET, new Opt("-o", "--object", true, false), new Opt("-w", "--winner", true, false), VERBOSE};
            default -> null;
        };
    }

    /**
     * The verb of {@code args} with its options set, or {@code null} when picocli must parse them (see the class
     * comment).
     */
    public static Verb parse(String[] args) {
        if (args.length == 0) {
            return null;
        }
        Opt[] opts = options(args[0]);
        if (opts == null) {
            return null;
        }
        String[] values = new String[opts.length];
        for (int i = 1; i < args.length; i++) {
            String a = args[i];
            String value = null;
            int eq = a.startsWith("--") ? a.indexOf('=') : -1;
            String optName = eq > 0 ? a.substring(0, eq) : a;
            if (eq > 0) {
                value = a.substring(eq + 1);
            }
            int k = find(opts, optName);
            if (k < 0 || values[k] != null) {
                return null; // unknown, repeated, positional, clustered or attached: picocli says what is wrong
            }
            if (!opts[k].takesValue()) {
                if (value != null) {
                    return null;
                }
                values[k] = "true";
                continue;
            }
            if (value == null) {
                if (i + 1 >= args.length) {
                    return null;
                }
                value = args[++i];
            }
            if (value.isEmpty() || value.startsWith("-") || value.startsWith("@")) {
                return null;
            }
            values[k] = value;
        }
        for (int k = 0; k < opts.length; k++) {
            if (opts[k].required() && values[k] == null) {
                return null;
            }
        }
        for (String a : args) {
            if (a.startsWith("@")) {
                return null; // picocli expands @argument-files
            }
        }
        try {
            return build(args[0], opts, values);
        } catch (InvalidPathException e) {
            return null;
        }
    }

    private static int find(Opt[] opts, String optName) {
        for (int k = 0; k < opts.length; k++) {
            if (optName.equals(opts[k].longName()) || optName.equals(opts[k].shortName())) {
                return k;
            }
        }
        return -1;
    }

    private static String get(Opt[] opts, String[] values, String longName) {
        return values[find(opts, longName)];
    }

    private static boolean flag(Opt[] opts, String[] values, String longName) {
        return get(opts, values, longName) != null;
    }

    private static Verb build(String verb, Opt[] o, String[] v) {
        Verb built;
        switch (verb) {
            case "read" -> {
                ReadCommand c = new ReadCommand();
                c.source = get(o, v, "--source");
                c.block = get(o, v, "--block");
                c.partial = flag(o, v, "--partial");
                c.json = flag(o, v, "--json");
                built = c;
            }
            case "update" -> {
                UpdateCommand c = new UpdateCommand();
                c.target = get(o, v, "--target");
                c.jsonFile = Path.of(get(o, v, "--jsonfile"));
                c.author = get(o, v, "--author");
                c.description = get(o, v, "--description");
                built = c;
            }
            case "meld" -> {
                MeldCommand c = new MeldCommand();
                c.source = get(o, v, "--source");
                c.target = get(o, v, "--target");
                built = c;
            }
            case "log" -> {
                LogCommand c = new LogCommand();
                c.source = get(o, v, "--source");
                c.block = get(o, v, "--block");
                c.json = flag(o, v, "--json");
                built = c;
            }
            case "conflicts" -> {
                ConflictsCommand c = new ConflictsCommand();
                c.source = get(o, v, "--source");
                c.json = flag(o, v, "--json");
                built = c;
            }
            case "history" -> {
                HistoryCommand c = new HistoryCommand();
                c.source = get(o, v, "--source");
                c.object = get(o, v, "--object");
                c.json = flag(o, v, "--json");
                built = c;
            }
            case "value" -> {
                ValueCommand c = new ValueCommand();
                c.source = get(o, v, "--source");
                c.object = get(o, v, "--object");
                c.revision = get(o, v, "--revision");
                c.json = flag(o, v, "--json");
                built = c;
            }
            case "resolve" -> {
                ResolveCommand c = new ResolveCommand();
                c.target = get(o, v, "--target");
                c.object = get(o, v, "--object");
                c.winner = get(o, v, "--winner");
                built = c;
            }
            default -> throw new IllegalArgumentException(verb);
        }
        built.verbose = flag(o, v, "--verbose");
        return built;
    }
}
