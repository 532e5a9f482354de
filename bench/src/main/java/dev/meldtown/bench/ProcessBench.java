package dev.meldtown.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meldtown.crdt.CanonicalJson;
import dev.meldtown.crdt.FileStorage;
import dev.meldtown.crdt.Replica;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Whole-process comparison: the meldtown CLI ({@code java -jar meldtown-cli.jar}) against libmelda-tools 0.2.0 on
 * the same inputs, runs alternating between the two tools, medians and the ratio per workload.
 *
 * <p>Usage: {@code ProcessBench --cli JAR --melda BIN --work DIR [--sizes 1000,10000,100000] [--runs 5]
 * [--runs-large 3] [--java-opts "..."] [--variants "LABEL=[VAR=VALUE ...] COMMAND;..."]}: with
 * {@code --variants}, each variant (e.g. {@code aot=bin/meldtown;jdk17=MELDTOWN_CLI_JDK=17 bin/meldtown}) runs beside
 * the others in the same rounds, so that versions and launch modes compare on the same load. Replicas are prepared in-process by the crdt library (deterministic bytes),
 * then each tool works on its own fresh copy of the same directories.
 */
public final class ProcessBench {
    private record Run(long nanos, long cpuNanos, int exit, Path out) {
    }

    private record Row(String workload, int n, String tool, String wall, String cpu, String ratio, String note) {
    }

    /**
     * One way of running meldtown: {@code java [opts] -jar JAR} (the default, label {@code meldtown}) or a launcher
     * command such as {@code bin/meldtown}, with environment assignments in front ({@code MELDTOWN_CLI_JDK=17 bin/meldtown}).
     */
    private record Variant(String label, Map<String, String> env, List<String> command) {
        static Variant parse(String spec) {
            int eq = spec.indexOf('=');
            String label = spec.substring(0, eq).trim();
            List<String> words = new ArrayList<>(List.of(spec.substring(eq + 1).trim().split("\\s+")));
            Map<String, String> env = new LinkedHashMap<>();
            while (!words.isEmpty() && words.get(0).contains("=")) {
                String w = words.remove(0);
                env.put(w.substring(0, w.indexOf('=')), w.substring(w.indexOf('=') + 1));
            }
            words.removeIf(String::isEmpty);
            if (!words.isEmpty() && words.get(0).contains("/")) { // a relative launcher path is the caller's
                words.set(0, Path.of(words.get(0)).toAbsolutePath().toString());
            }
            return new Variant(label, env, words);
        }
    }

    private final Path cli;
    private final Path melda;
    private final Path work;
    private final List<String> javaOpts;
    private final List<Variant> variants;
    private final Path time = Path.of("/usr/bin/time");
    private final List<Row> rows = new ArrayList<>();
    private int seq;

    private ProcessBench(Path cli, Path melda, Path work, List<String> javaOpts, List<Variant> variants) {
        this.cli = cli;
        this.melda = melda;
        this.work = work;
        this.javaOpts = javaOpts;
        this.variants = variants;
    }

    public static void main(String[] args) throws Exception {
        Path cli = null;
        Path melda = null;
        Path work = null;
        int[] sizes = {1000, 10000, 100000};
        int runs = 5;
        int runsLarge = 3;
        String javaOpts = "-XX:+UseParallelGC -XX:TieredStopAtLevel=1 -Xshare:auto"; // bin/meldtown's flags
        String variants = "";
        for (int i = 0; i < args.length; i += 2) {
            switch (args[i]) {
                case "--cli" -> cli = Path.of(args[i + 1]).toAbsolutePath();
                case "--melda" -> melda = Path.of(args[i + 1]).toAbsolutePath();
                case "--work" -> work = Path.of(args[i + 1]).toAbsolutePath();
                case "--sizes" -> sizes = Arrays.stream(args[i + 1].split(",")).mapToInt(Integer::parseInt).toArray();
                case "--runs" -> runs = Integer.parseInt(args[i + 1]);
                case "--runs-large" -> runsLarge = Integer.parseInt(args[i + 1]);
                case "--java-opts" -> javaOpts = args[i + 1];
                case "--variants" -> variants = args[i + 1];
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (cli == null || melda == null || work == null) {
            throw new IllegalArgumentException("--cli, --melda and --work are required");
        }
        List<Variant> vs = new ArrayList<>();
        for (String v : variants.split(";")) {
            if (!v.isBlank()) {
                vs.add(Variant.parse(v));
            }
        }
        if (vs.isEmpty()) {
            vs.add(new Variant("meldtown", Map.of(), List.of()));
        }
        ProcessBench b = new ProcessBench(cli, melda, work, List.of(javaOpts.trim().split("\\s+")), vs);
        for (int n : sizes) {
            b.size(n, n >= 100000 ? runsLarge : runs);
        }
        b.print(runs, runsLarge);
    }

    private void size(int n, int runs) throws IOException, InterruptedException {
        Path dir = work.resolve("n" + n);
        deleteTree(dir);
        Files.createDirectories(dir);
        ObjectNode base = TodoDocs.base(n);
        ObjectNode editA = TodoDocs.edit(base, 'a');
        ObjectNode editB = TodoDocs.edit(base, 'b');
        Path baseJson = write(dir.resolve("base.json"), base);
        Path editJson = write(dir.resolve("edit-a.json"), editA);
        Path baseRep = dir.resolve("base");
        TodoDocs.commitBase(new FileStorage(baseRep), n);
        Path aRep = dir.resolve("a");
        Path bRep = dir.resolve("b");
        Path merged = dir.resolve("merged");
        copyTree(baseRep, aRep);
        copyTree(baseRep, bRep);
        commit(aRep, editA);
        commit(bRep, editB);
        copyTree(aRep, merged);
        Replica.open(new FileStorage(merged)).meld(new FileStorage(bRep));
        System.err.printf(Locale.ROOT, "[bench] n=%d: inputs ready in %s%n", n, dir);

        compare("create (update+commit)", n, runs, false, (tool, scratch) -> {
            return new String[] {"update", "-t", url(scratch), "-j", baseJson.toString()};
        }, null);
        compare("commit 1% (+1 item)", n, runs, false, (tool, scratch) -> {
            copyTree(baseRep, scratch);
            return new String[] {"update", "-t", url(scratch), "-j", editJson.toString()};
        }, null);
        compare("meld divergent", n, runs, false, (tool, scratch) -> {
            copyTree(aRep, scratch);
            return new String[] {"meld", "-s", url(bRep), "-t", url(scratch)};
        }, null);
        compare("read melded", n, runs, n >= 100000, (tool, scratch) -> {
            return new String[] {"read", "-s", url(merged)};
        }, "same");
    }

    @FunctionalInterface
    private interface Prepare {
        String[] args(String tool, Path scratch) throws IOException;
    }

    private void compare(String workload, int n, int runs, boolean smallHeap, Prepare prepare, String sameOutput)
            throws IOException, InterruptedException {
        List<List<Run>> ours = new ArrayList<>();
        variants.forEach(v -> ours.add(new ArrayList<>()));
        List<Run> theirs = new ArrayList<>();
        int tools = variants.size() + 1;
        for (int i = 0; i < runs; i++) {
            for (int k = 0; k < tools; k++) {
                int t = (k + i) % tools; // rotate the order run by run: no tool always runs first
                boolean isOurs = t < variants.size();
                Path scratch = work.resolve("scratch-" + (seq++));
                String[] args = prepare.args(isOurs ? "meldtown" : "melda", scratch);
                List<String> cmd = new ArrayList<>();
                Map<String, String> env = Map.of();
                if (isOurs && variants.get(t).command().isEmpty()) {
                    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
                    cmd.addAll(javaOpts);
                    if (smallHeap) {
                        cmd.add("-Xmx512m");
                    }
                    cmd.add("-jar");
                    cmd.add(cli.toString());
                } else if (isOurs) {
                    cmd.addAll(variants.get(t).command());
                    env = variants.get(t).env();
                } else {
                    cmd.add(melda.toString());
                }
                cmd.addAll(List.of(args));
                Run r = run(cmd, env, scratch.resolveSibling(scratch.getFileName() + ".out"));
                (isOurs ? ours.get(t) : theirs).add(r);
                deleteTree(scratch);
            }
        }
        double mt = median(theirs, Run::nanos);
        rows.add(new Row(workload, n, "libmelda-tools", fmt(mt), fmt(median(theirs, Run::cpuNanos)), "",
                failures(theirs, "libmelda-tools").trim()));
        for (int v = 0; v < variants.size(); v++) {
            List<Run> o = ours.get(v);
            String note = "";
            if (smallHeap && variants.get(v).command().isEmpty()) {
                note = "meldtown with -Xmx512m";
            }
            if (sameOutput != null && ok(o) && ok(theirs)) {
                boolean same = Arrays.equals(Files.readAllBytes(o.get(0).out()), Files.readAllBytes(theirs.get(0).out()));
                note = (note.isEmpty() ? "" : note + "; ") + (same ? "identical output" : "OUTPUT DIFFERS");
            }
            String fails = failures(o, "meldtown");
            if (!fails.isEmpty()) {
                note = (note.isEmpty() ? "" : note + "; ") + fails.trim();
            }
            double mo = median(o, Run::nanos);
            String ratio = ok(o) && ok(theirs) ? String.format(Locale.ROOT, "%.2fx", mt / mo) : "n/a";
            rows.add(new Row(workload, n, variants.get(v).label(), fmt(mo), fmt(median(o, Run::cpuNanos)), ratio, note));
            System.err.printf(Locale.ROOT, "[bench] %-24s n=%-6d %s %s (cpu %s)  libmelda-tools %s  %s %s%n",
                    workload, n, variants.get(v).label(), fmt(mo), fmt(median(o, Run::cpuNanos)), fmt(mt), ratio, note);
        }
    }

    private static boolean ok(List<Run> runs) {
        return runs.stream().allMatch(r -> r.exit() == 0);
    }

    private static String failures(List<Run> runs, String tool) throws IOException {
        long failed = runs.stream().filter(r -> r.exit() != 0).count();
        if (failed == 0) {
            return "";
        }
        Run first = runs.stream().filter(r -> r.exit() != 0).findFirst().orElseThrow();
        String err = Files.readString(first.out().resolveSibling(first.out().getFileName() + ".err")).lines()
                .filter(l -> !l.isBlank()).findFirst().orElse("");
        return String.format(Locale.ROOT, "%s failed %d/%d (exit %d: %s) ", tool, failed, runs.size(), first.exit(),
                err.length() > 90 ? err.substring(0, 90) + "..." : err);
    }

    private static double median(List<Run> runs, java.util.function.ToLongFunction<Run> what) {
        double[] ms = runs.stream().filter(r -> r.exit() == 0).mapToLong(what).filter(x -> x >= 0)
                .mapToDouble(x -> x / 1e6).sorted().toArray();
        if (ms.length == 0) {
            return Double.NaN;
        }
        return ms.length % 2 == 1 ? ms[ms.length / 2] : (ms[ms.length / 2 - 1] + ms[ms.length / 2]) / 2;
    }

    private static String fmt(double median) {
        return Double.isNaN(median) ? "n/a" : String.format(Locale.ROOT, "%.0f ms", median);
    }

    /** Runs {@code cmd}; CPU time (user + system, children included) from {@code /usr/bin/time} where it exists, else -1. */
    private Run run(List<String> cmd, Map<String, String> env, Path out) throws IOException, InterruptedException {
        Path err = out.resolveSibling(out.getFileName() + ".err");
        Path times = out.resolveSibling(out.getFileName() + ".time");
        List<String> full = new ArrayList<>();
        boolean timed = Files.isExecutable(time);
        if (timed) {
            full.addAll(List.of(time.toString(), "-f", "%U %S", "-o", times.toString()));
        }
        full.addAll(cmd);
        ProcessBuilder pb = new ProcessBuilder(full).directory(work.toFile())
                .redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().putAll(env);
        long t0 = System.nanoTime();
        Process p = pb.start();
        if (!p.waitFor(10, TimeUnit.MINUTES)) {
            p.destroyForcibly().waitFor();
            return new Run(System.nanoTime() - t0, -1, -1, out);
        }
        long wall = System.nanoTime() - t0;
        long cpu = -1;
        if (timed && Files.exists(times)) {
            List<String> lines = Files.readAllLines(times);
            String last = lines.isEmpty() ? "" : lines.get(lines.size() - 1).trim();
            String[] f = last.split(" ");
            try {
                cpu = Math.round((Double.parseDouble(f[0]) + Double.parseDouble(f[1])) * 1e9);
            } catch (RuntimeException e) {
                cpu = -1;
            }
        }
        return new Run(wall, cpu, p.exitValue(), out);
    }

    private void print(int runs, int runsLarge) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "| %-24s | %7s | %-16s | %9s | %9s | %8s | %s |%n", "workload", "items",
                "tool", "wall", "CPU", "ratio", "note"));
        sb.append("|").append("-".repeat(26)).append("|").append("-".repeat(9)).append("|").append("-".repeat(18))
                .append("|").append("-".repeat(11)).append("|").append("-".repeat(11)).append("|")
                .append("-".repeat(10)).append("|------|\n");
        for (Row r : rows) {
            sb.append(String.format(Locale.ROOT, "| %-24s | %7d | %-16s | %9s | %9s | %8s | %s |%n", r.workload(), r.n(),
                    r.tool(), r.wall(), r.cpu(), r.ratio(), r.note()));
        }
        sb.append(String.format(Locale.ROOT,
                "%nMedians of %d runs per tool, in rotating order (%d for 100k items); wall and CPU (user+system) time"
                        + " of the whole process (meldtown includes JVM start). ratio = libmelda-tools wall / meldtown wall"
                        + " (above 1: meldtown faster).%n",
                runs, runsLarge));
        System.out.print(sb);
    }

    private static void commit(Path replica, ObjectNode doc) {
        Replica r = Replica.open(new FileStorage(replica)).limits(TodoDocs.LIMITS);
        r.update(doc);
        r.commit((ObjectNode) null);
    }

    private static Path write(Path file, ObjectNode doc) throws IOException {
        Files.write(file, CanonicalJson.bytes(doc));
        return file;
    }

    private static String url(Path dir) {
        return "file://" + dir.toAbsolutePath();
    }

    static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                Path t = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(t);
                } else {
                    Files.copy(p, t, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.delete(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }
}
