package dev.meldtown.cli.internal;

import dev.meldtown.cli.Main;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The training run behind {@code bin/meldtown}'s start-up archive (the JDK 25 AOT cache, or the JDK 17 AppCDS
 * class list): one JVM runs every replica verb, as the command line runs them ({@link Main#run}), on scratch
 * replicas in the directory given, plain and deflated, so the archive holds every class those verbs load.
 * Exits 0 only if every verb did what it should; a JDK that cannot do that gets no archive (and is not used).
 *
 * <p>Usage: {@code java -cp meldtown-cli.jar dev.meldtown.cli.internal.AotTraining DIR}.
 */
public final class AotTraining {
    private AotTraining() {
    }

    public static void main(String[] args) throws IOException {
        Class<?> entry = Launcher.class; // the jar's entry point belongs in the archive too
        int failed = exercise(Path.of(args[0]).toAbsolutePath(), 200);
        System.exit(failed == 0 && entry != null ? 0 : 1);
    }

    /**
     * Runs every replica verb on scratch replicas of {@code items} items in {@code dir} (made if missing, its
     * replicas replaced); returns how many did not do what they should. Also the {@link CliDaemon}'s warm-up.
     */
    static int exercise(Path dir, int items) throws IOException {
        Files.createDirectories(dir);
        for (String replica : List.of("r", "s", "f")) {
            delete(dir.resolve(replica));
        }
        Path a = dir.resolve("a.json");
        Path b = dir.resolve("b.json");
        Files.writeString(a, todo(items, "x"), StandardCharsets.UTF_8);
        Files.writeString(b, todo(items + 1, "y"), StandardCharsets.UTF_8);
        String r = "file://" + dir.resolve("r");
        String s = "file://" + dir.resolve("s");
        String f = "file+flate://" + dir.resolve("f");
        int failed = 0;
        failed += run(0, "update", "-t", r, "-j", a.toString(), "-a", "me", "-d", "first");
        failed += run(0, "update", "-t", s, "-j", b.toString());
        failed += run(0, "update", "-t", f, "-j", b.toString());
        failed += run(0, "meld", "-s", s, "-t", r);
        failed += run(0, "meld", "-s", f, "-t", "memory://");
        failed += run(0, "read", "-s", r);
        failed += run(0, "read", "-s", f, "--json");
        failed += run(0, "log", "-s", r);
        failed += run(0, "log", "-s", r, "--json");
        failed += run(0, "conflicts", "-s", r);
        failed += run(0, "conflicts", "-s", r, "--json");
        failed += run(0, "history", "-s", r, "-o", "item-0000001");
        failed += run(0, "history", "-s", r, "-o", "item-0000001", "--json");
        failed += run(0, "value", "-s", r, "-o", "item-0000001");
        failed += run(0, "value", "-s", r, "-o", "item-0000001", "--json");
        failed += run(0, "resolve", "-t", r);
        failed += run(0, "update", "-t", r, "-j", a.toString());
        failed += run(0, "read", "-s", r);
        failed += run(1, "read", "-s", "file://" + dir.resolve("missing"));
        return failed;
    }

    /** Deletes {@code tree} and everything in it, if it exists. */
    static void delete(Path tree) throws IOException {
        if (!Files.exists(tree)) {
            return;
        }
        try (var walk = Files.walk(tree)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    private static int run(int expected, String... args) {
        StringWriter err = new StringWriter();
        int code;
        try (PrintWriter out = new PrintWriter(Writer.nullWriter()); PrintWriter e = new PrintWriter(err)) {
            code = Main.run(args, out, e);
        }
        if (code != expected) {
            System.err.println("training: meldtown " + String.join(" ", args) + " exited " + code + ": " + err);
            return 1;
        }
        return 0;
    }

    /** Melda's todo example with {@code n} items (numbers, strings, booleans, a flattened array). */
    private static String todo(int n, String tag) {
        StringBuilder sb = new StringBuilder("{\"software\":\"MeldaDo\",\"version\":1.5,\"items\u266d\":[");
        for (int i = 0; i < n; i++) {
            sb.append(i == 0 ? "" : ",").append(String.format("{\"_id\":\"item-%07d\",\"title\":\"Todo %d %s \u00e9\",\"done\":%b,\"rank\":%d.25}",
                    i, i, i % 7 == 0 ? tag : "", i % 3 == 0, i));
        }
        return sb.append("]}").toString();
    }
}
