package dev.meldtown.cli.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meldtown.cli.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/** The fast argument path agrees with picocli: the same option table, the same values, the same output. */
class FastArgsTest {
    static final List<String> VERBS = List.of("read", "update", "meld", "log", "conflicts", "history", "value", "resolve");

    @TempDir
    Path tmp;

    @Test
    void optionTableIsPicocliModelOfEveryMeldaVerbWithoutHelp() {
        CommandLine cl = Main.commandLine();
        for (String verb : VERBS) {
            Set<String> picocli = new TreeSet<>();
            for (OptionSpec o : cl.getSubcommands().get(verb).getCommandSpec().options()) {
                if (o.usageHelp()) {
                    continue; // --help always goes to picocli
                }
                picocli.add(String.join("|", o.names()) + (o.arity().max() > 0 ? " VALUE" : "") + (o.required() ? " required" : ""));
            }
            Set<String> fast = new TreeSet<>();
            for (FastArgs.Opt o : FastArgs.options(verb)) {
                fast.add((o.shortName() == null ? "" : o.shortName() + "|") + o.longName() + (o.takesValue() ? " VALUE" : "")
                        + (o.required() ? " required" : ""));
            }
            assertThat(fast).as(verb).isEqualTo(picocli);
        }
        assertThat(FastArgs.options("towns")).isNull();
    }

    @Test
    void acceptedArgumentsGiveTheFieldsPicocliGives() throws Exception {
        List<String[]> cases = List.of(
                new String[] {"read", "-s", "file:///r"},
                new String[] {"read", "--source", "file:///r", "-b", "abc", "--partial", "--json", "--verbose"},
                new String[] {"read", "--source=file:///r", "--block=x=y"},
                new String[] {"update", "-t", "memory://", "-j", "d.json", "-a", "me", "-d", "a b c"},
                new String[] {"update", "--jsonfile", "/x/d.json", "--target", "s3://b/p", "--author=x"},
                new String[] {"meld", "-s", "file:///a", "-t", "file+flate:///b"},
                new String[] {"log", "-s", "file:///a", "--json"},
                new String[] {"conflicts", "--verbose", "-s", "file:///a"},
                new String[] {"history", "-s", "file:///a", "-o", "\u00e9\u266d"},
                new String[] {"value", "-s", "file:///a", "-o", "x", "-r", "1-abc", "--json"},
                new String[] {"resolve", "-t", "file:///a", "-o", "x", "-w", "2-def"},
                new String[] {"resolve", "-t", "file:///a"});
        for (String[] args : cases) {
            Verb fast = FastArgs.parse(args);
            assertThat(fast).as(String.join(" ", args)).isNotNull();
            CommandLine cl = Main.commandLine();
            cl.parseArgs(args);
            Object viaPicocli = cl.getSubcommands().get(args[0]).getCommand();
            assertThat(fields(fast)).as(String.join(" ", args)).isEqualTo(fields(viaPicocli));
        }
    }

    @Test
    void everythingElseIsLeftToPicocli() {
        List<String[]> cases = List.of(
                new String[] {},
                new String[] {"towns"},
                new String[] {"read"},
                new String[] {"read", "--help"},
                new String[] {"read", "-h", "-s", "file:///r"},
                new String[] {"read", "-s"},
                new String[] {"read", "-sfile:///r"},
                new String[] {"read", "-s=file:///r"},
                new String[] {"read", "-s", "file:///r", "-s", "file:///q"},
                new String[] {"read", "-s", "file:///r", "--bogus"},
                new String[] {"read", "-s", "file:///r", "extra"},
                new String[] {"read", "-s", "file:///r", "--"},
                new String[] {"read", "-s", "--json"},
                new String[] {"read", "-s", ""},
                new String[] {"read", "-s", "file:///r", "--json=true"},
                new String[] {"read", "@args.txt"},
                new String[] {"update", "-t", "memory://"},
                new String[] {"update", "-t", "memory://", "-j", "d\u0000.json"},
                new String[] {"update", "-t", "memory://", "-j", "d.json", "-a", "-d"},
                new String[] {"value", "-s", "file:///a"},
                new String[] {"meld", "-t", "file:///a"});
        for (String[] args : cases) {
            assertThat(FastArgs.parse(args)).as(String.join(" ", args)).isNull();
        }
    }

    @Test
    void bothPathsPrintTheSameBytesAndExitCodes() throws Exception {
        Path doc = tmp.resolve("d.json");
        Files.writeString(doc, "{\"items\u266d\":[{\"_id\":\"a\",\"n\":1.5}],\"k\":\"\u00e9\"}");
        Path doc2 = tmp.resolve("d2.json");
        Files.writeString(doc2, "{\"items\u266d\":[{\"_id\":\"a\",\"n\":2}],\"k\":\"b\"}");
        // the same commands on two replicas: one through the fast path, one through picocli
        List<String[]> runs = List.of(
                new String[] {"update", "-t", "R", "-j", doc.toString(), "-a", "me"},
                new String[] {"update", "-t", "R2", "-j", doc2.toString()},
                new String[] {"meld", "-s", "R2", "-t", "R"},
                new String[] {"read", "-s", "R"},
                new String[] {"log", "-s", "R"},
                new String[] {"conflicts", "-s", "R", "--json"},
                new String[] {"history", "-s", "R", "-o", "a"},
                new String[] {"value", "-s", "R", "-o", "a"},
                new String[] {"resolve", "-t", "R"},
                new String[] {"read", "-s", "R", "--verbose", "--block", "nope"},
                new String[] {"read", "-s", "Rmissing"},
                new String[] {"update", "-t", "R", "-j", tmp.resolve("nope.json").toString()},
                new String[] {"value", "-s", "R", "-o", "nobody", "--verbose"});
        for (String[] args : runs) {
            assertThat(FastArgs.parse(args)).as(String.join(" ", args)).isNotNull();
            Out fast = run(args, "fast", true);
            Out slow = run(args, "slow", false);
            assertThat(fast).as(String.join(" ", args)).isEqualTo(slow);
            assertThat(fast.out() + fast.err()).isNotEmpty();
        }
    }

    record Out(int code, String out, String err) {
    }

    private Out run(String[] args, String dir, boolean fast) {
        String[] a = args.clone();
        for (int i = 0; i < a.length; i++) {
            if (a[i].startsWith("R")) {
                a[i] = "file://" + tmp.resolve(dir + a[i].substring(1));
            }
        }
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code;
        try (PrintWriter o = new PrintWriter(out); PrintWriter e = new PrintWriter(err)) {
            code = fast ? Main.run(a, o, e) : Main.commandLine().setOut(o).setErr(e).execute(a);
        }
        return new Out(code, out.toString().replace(tmp.resolve(dir).toString(), "R"), err.toString().replace(tmp.resolve(dir).toString(), "R"));
    }

    private static Map<String, Object> fields(Object verb) throws IllegalAccessException {
        Map<String, Object> m = new LinkedHashMap<>();
        for (Class<?> c = verb.getClass(); c != Object.class; c = c.getSuperclass()) {
            for (Field f : c.getDeclaredFields()) {
                if (Modifier.isStatic(f.getModifiers()) || f.getType().getName().startsWith("picocli.")
                        || f.getType() == PrintWriter.class || f.getName().equals("name")) {
                    continue;
                }
                f.setAccessible(true);
                m.put(c.getSimpleName() + "." + f.getName(), f.get(verb));
            }
        }
        return m;
    }
}
