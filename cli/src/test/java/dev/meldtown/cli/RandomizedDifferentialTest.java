package dev.meldtown.cli;

import static dev.meldtown.cli.Tools.maskIds;
import static dev.meldtown.cli.Tools.melda;
import static dev.meldtown.cli.Tools.ours;
import static dev.meldtown.cli.Tools.url;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meldtown.crdt.CanonicalJson;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Seeded random walk over three replicas. Every mutating step (update, resolve, meld) runs on two copies of the
 * replica, one per tool; their outputs are compared (ids masked where libmelda-tools' random pack order shows) and
 * their resulting documents must read identically with both tools; then one of the two copies (chosen at random)
 * becomes the replica, so replicas mix files written by both tools. After every step, {@code read} and
 * {@code conflicts} of every replica must be byte-identical between the tools.
 *
 * <p>Where libmelda-tools fails with one of its known defects (spec §8: update panics on an unchanged ♭ array,
 * commit hangs while a descriptor is in conflict, resolve fails when the merged order equals the winner's,
 * read panics on a deleted descriptor), the step is recorded and printed, ours must succeed, and our copy is
 * used. Any other failure of libmelda-tools on data we wrote fails the test, as does any failure of ours.
 */
class RandomizedDifferentialTest {
    private static final Duration MELDA_TIMEOUT = Duration.ofSeconds(5);
    private static final Pattern RAW = Pattern.compile("\"@@RAW(.*?)@@\"");
    private static final JsonNodeFactory N = JsonNodeFactory.instance;
    private static final String FLAT = "\u266D";
    /** sha256 of {"_deleted":true}. */
    private static final String DELETED_AS_CONTENT = "8c90047332b819558fb7aba714e3561458e3e69c40dcf23587fc0cc4bbc2e5e7";

    private static final String[] STRINGS = {"", "plain", "héllo wörld", "日本語のテキスト", "emoji 😀🎉", "a\"quote\"",
        "back\\slash", "tab\tnew\nline", "\u0001ctl\u001f", "sep\u2028\u2029", "del\u007f", "𝄞 clef", "/slash/",
        "!bang", "^caret", "√ root", "♭ flat", "ﬁ ligature", "\uFFFD replacement", "  spaces  ", "0", "true"};
    private static final String[] KEYS = {"title", "description", "n", "ключ", "😀k", "\uFFFDk", "ké", "a b", "Z", "z",
        "~tilde", "𝄞", "done", "tags", "meta"};
    private static final String[] NUMBERS = {"0", "-1", "42", "-0", "9007199254740993", "18446744073709551615",
        "-9223372036854775808", "18446744073709551616", "1.5", "-0.0", "0.1", "1e-7", "1E300", "123456789.125",
        "1e16", "2.5e-5", "100.0", "1.0e2", "3.141592653589793", "-2.2250738585072014e-308", "5e-324", "12345678901234567890"};

    @TempDir
    Path tmp;

    private Random rnd;
    private int fresh;
    private String scheme;
    private final Map<String, Integer> meldaFailures = new TreeMap<>();
    private final List<String> log = new ArrayList<>();
    private int compared;

    @ParameterizedTest(name = "seed {0}, {1}, {2} steps")
    @CsvSource({"20260611, file, 50", "4242, file+flate, 40"})
    void bothToolsAgreeAfterEveryStep(long seed, String scheme, int steps) throws IOException {
        this.rnd = new Random(seed);
        this.scheme = scheme;
        Path[] replicas = {tmp.resolve("r0"), tmp.resolve("r1"), tmp.resolve("r2")};
        // r0 and r2 start independently (two origins, a √ conflict once melded); r1 starts as a copy of r0
        edit(0, replicas[0], randomDocument());
        edit(1, replicas[2], randomDocument());
        meld(1, replicas[0], replicas[1]);
        checkAll(0, replicas);
        for (int step = 1; step <= steps; step++) {
            int r = rnd.nextInt(3);
            int op = rnd.nextInt(100);
            boolean conflicts = !ours("conflicts", "-s", url(scheme, replicas[r])).out().isEmpty();
            if (op < 55) {
                edit(step, replicas[r], mutate(readOurs(replicas[r])));
            } else if (op < 80) {
                int to = (r + 1 + rnd.nextInt(2)) % 3;
                meld(step, replicas[r], replicas[to]);
            } else if (conflicts || op < 85) {
                resolve(step, replicas[r]);
            } else {
                edit(step, replicas[r], mutate(readOurs(replicas[r])));
            }
            checkAll(step, replicas);
        }
        // finally converge: meld everything everywhere, resolve, and compare once more
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++) {
                if (i != j) {
                    meld(steps + 1, replicas[i], replicas[j]);
                }
            }
        }
        checkAll(steps + 1, replicas);
        String[] reads = new String[3];
        for (int i = 0; i < 3; i++) {
            reads[i] = ours("read", "-s", url(scheme, replicas[i])).out();
        }
        assertThat(reads[1]).as("converged").isEqualTo(reads[0]);
        assertThat(reads[2]).as("converged").isEqualTo(reads[0]);

        System.out.println("[randomized seed " + seed + ", " + scheme + "] " + steps + " steps, " + compared
                + " outputs compared byte for byte; libmelda-tools failures (known defects, ours checked instead): "
                + (meldaFailures.isEmpty() ? "none" : meldaFailures));
        log.forEach(l -> System.out.println("  " + l));
        assertThat(compared).isGreaterThan(steps * 4);
    }

    // ------------------------------------------------------------------ steps

    private void edit(int step, Path replica, ObjectNode doc) throws IOException {
        Path json = tmp.resolve("doc-" + step + ".json");
        Files.writeString(json, raw(doc), StandardCharsets.UTF_8);
        Path m = copy(replica, "m" + step);
        Path j = copy(replica, "j" + step);
        Tools.Out mo = melda(tmp, MELDA_TIMEOUT, "update", "-t", url(scheme, m), "-j", json.toString(), "-a", "step " + step);
        Tools.Out jo = ours("update", "-t", url(scheme, j), "-j", json.toString(), "-a", "step " + step);
        assertThat(jo.code()).as("step %d: our update failed: %s", step, jo.err()).isZero();
        assertThat(jo.out()).matches("(Committed block [0-9a-f]{64}|Nothing to commit)\n");
        if (knownMeldaFailure(step, "update", mo, "invalid_object", "hang")) {
            adopt(replica, j);
            return;
        }
        assertThat(maskIds(jo.out())).as("step %d: update output", step).isEqualTo(maskIds(mo.out()));
        compared++;
        // both results read the same, with both tools
        String mr = meldaRead(step, m);
        String jr = ours("read", "-s", url(scheme, j)).out();
        if (mr != null) {
            assertThat(jr).as("step %d: read after update", step).isEqualTo(mr);
            compared++;
        }
        adopt(replica, rnd.nextBoolean() ? m : j);
    }

    private void resolve(int step, Path replica) throws IOException {
        Path m = copy(replica, "m" + step);
        Path j = copy(replica, "j" + step);
        String[] args = {"resolve", "-t", null};
        List<String> conflicted = ours("conflicts", "-s", url(scheme, replica)).out().lines().filter(l -> !l.startsWith("\t")).toList();
        if (!conflicted.isEmpty() && rnd.nextBoolean()) {
            // one object, towards a random leaf
            String line = conflicted.get(rnd.nextInt(conflicted.size()));
            String uuid = line.substring(0, line.length() - 1);
            List<String> leaves = ours("conflicts", "-s", url(scheme, replica)).out().lines()
                    .dropWhile(l -> !l.equals(line)).skip(1).takeWhile(l -> l.startsWith("\t"))
                    .map(l -> l.substring(l.indexOf(' ') + 1, l.indexOf(": "))).toList();
            args = new String[] {"resolve", "-t", null, "-o", uuid, "-w", leaves.get(rnd.nextInt(leaves.size()))};
        }
        String[] ma = args.clone();
        ma[2] = url(scheme, m);
        String[] ja = args.clone();
        ja[2] = url(scheme, j);
        Tools.Out mo = melda(tmp, MELDA_TIMEOUT, ma);
        Tools.Out jo = ours(ja);
        assertThat(jo.code()).as("step %d: our resolve failed: %s", step, jo.err()).isZero();
        if (knownMeldaFailure(step, "resolve", mo, "failed to resolve", "hang")) {
            adopt(replica, j);
            return;
        }
        if (mo.out().contains("-" + DELETED_AS_CONTENT + "_")) {
            // libmelda-tools resolves towards a deleted leaf by storing {"_deleted":true} as a live revision (the
            // item reappears); we keep it deleted (crdt DefectRegressionTest#resolveTowardsADeletedLeafKeepsTheObjectDeleted)
            meldaFailures.merge("resolve: deleted winner stored as live {\"_deleted\":true}", 1, Integer::sum);
            log.add("step " + step + " libmelda-tools resolve resurrected a deleted object: " + mo.out().lines().filter(l -> l.contains(DELETED_AS_CONTENT)).findFirst().orElse(""));
            assertThat(jo.out()).endsWith("Committed changes\n");
            adopt(replica, j);
            return;
        }
        assertThat(jo.out()).as("step %d: %s", step, String.join(" ", args)).isEqualTo(mo.out());
        compared++;
        String mr = meldaRead(step, m);
        if (mr != null) {
            assertThat(ours("read", "-s", url(scheme, j)).out()).as("step %d: read after resolve", step).isEqualTo(mr);
            compared++;
        }
        adopt(replica, rnd.nextBoolean() ? m : j);
    }

    private void meld(int step, Path from, Path to) throws IOException {
        Path m = copy(to, "m" + step + "-" + to.getFileName());
        Path j = copy(to, "j" + step + "-" + to.getFileName());
        Tools.Out mo = melda(tmp, MELDA_TIMEOUT, "meld", "-s", url(scheme, from), "-t", url(scheme, m));
        Tools.Out jo = ours("meld", "-s", url(scheme, from), "-t", url(scheme, j));
        assertThat(jo.code()).as("step %d: our meld failed: %s", step, jo.err()).isZero();
        assertThat(mo.code()).as("step %d: libmelda-tools meld failed: %s", step, mo.err()).isZero();
        // same keys copied (libmelda-tools lists them in directory order, we in copy order)
        assertThat(SeedScenarioDifferentialTest.sortedDebugList(jo.out())).as("step %d: meld", step)
                .isEqualTo(SeedScenarioDifferentialTest.sortedDebugList(mo.out()));
        compared++;
        assertThat(files(j)).isEqualTo(files(m));
        adopt(to, rnd.nextBoolean() ? m : j);
    }

    /** read and conflicts of every replica, both tools; log every fifth step. */
    private void checkAll(int step, Path[] replicas) {
        for (Path r : replicas) {
            String u = url(scheme, r);
            Tools.Out jr = ours("read", "-s", u);
            assertThat(jr.code()).as("step %d: our read of %s failed: %s", step, r.getFileName(), jr.err()).isZero();
            String mr = meldaRead(step, r);
            if (mr != null) {
                assertThat(jr.out()).as("step %d: read of %s", step, r.getFileName()).isEqualTo(mr);
                compared++;
            }
            Tools.Out jc = ours("conflicts", "-s", u);
            assertThat(jc.code()).as("step %d: our conflicts failed: %s", step, jc.err()).isZero();
            Tools.Out mc = melda(tmp, MELDA_TIMEOUT, "conflicts", "-s", u);
            if (!knownMeldaFailure(step, "conflicts", mc)) {
                assertThat(jc.out()).as("step %d: conflicts of %s", step, r.getFileName()).isEqualTo(mc.out());
                compared++;
            }
            if (step % 5 == 0) {
                Tools.Out jl = ours("log", "-s", u);
                Tools.Out ml = melda(tmp, MELDA_TIMEOUT, "log", "-s", u);
                assertThat(ml.code()).as("libmelda-tools log: %s", ml.err()).isZero();
                assertThat(jl.out()).as("step %d: log of %s", step, r.getFileName()).isEqualTo(ml.out());
                compared++;
            }
        }
    }

    /** libmelda-tools' read, or null when it fails with a known defect (recorded). */
    private String meldaRead(int step, Path replica) {
        Tools.Out mo = melda(tmp, MELDA_TIMEOUT, "read", "-s", url(scheme, replica));
        return knownMeldaFailure(step, "read", mo, "unknown_descriptor_object") ? null : mo.out();
    }

    /**
     * Whether libmelda-tools failed with one of the expected defects (then it is recorded); fails the test on any
     * other failure. With no signatures given, only success is acceptable.
     */
    private boolean knownMeldaFailure(int step, String verb, Tools.Out o, String... signatures) {
        if (o.ok()) {
            return false;
        }
        String what = o.hung() ? "hang" : o.firstErrLine();
        for (String s : signatures) {
            if (what.contains(s)) {
                String key = verb + ": " + (o.hung() ? "hang (spec §8.2)" : s);
                meldaFailures.merge(key, 1, Integer::sum);
                log.add("step " + step + " libmelda-tools " + verb + " " + (o.hung() ? "hung" : "exit " + o.code() + ": " + what));
                return true;
            }
        }
        fail("step %d: libmelda-tools %s failed unexpectedly (exit %d): %s", step, verb, o.code(), o.err());
        return false;
    }

    // ------------------------------------------------------------------ documents

    private ObjectNode readOurs(Path replica) {
        Tools.Out o = ours("read", "-s", url(scheme, replica));
        assertThat(o.code()).as("our read: %s", o.err()).isZero();
        return (ObjectNode) CanonicalJson.parse(o.out());
    }

    private ObjectNode randomDocument() {
        ObjectNode d = N.objectNode();
        d.put("software", pick(STRINGS));
        d.set("version", number());
        d.set("items" + FLAT, items(1 + rnd.nextInt(3), 0));
        if (rnd.nextBoolean()) {
            d.set("done" + FLAT, items(rnd.nextInt(2), 1));
        }
        return d;
    }

    private ArrayNode items(int n, int depth) {
        ArrayNode a = N.arrayNode();
        for (int i = 0; i < n; i++) {
            a.add(item(depth));
        }
        return a;
    }

    private ObjectNode item(int depth) {
        ObjectNode o = N.objectNode();
        o.put("_id", freshId());
        int fields = 1 + rnd.nextInt(3);
        for (int i = 0; i < fields; i++) {
            o.set(pick(KEYS), value(1));
        }
        if (depth < 2 && rnd.nextInt(4) == 0) {
            o.set("sub" + FLAT, items(rnd.nextInt(3), depth + 1));
        }
        if (rnd.nextInt(6) == 0) {
            o.put("note" + FLAT, pick(STRINGS)); // a ♭ string: stored !-escaped
        }
        if (rnd.nextInt(8) == 0) {
            ObjectNode meta = N.objectNode(); // an id-less ♭ object: id sha256(path)
            meta.set(pick(KEYS), value(1));
            o.set("meta" + FLAT, meta);
        }
        return o;
    }

    private JsonNode value(int depth) {
        int k = rnd.nextInt(depth > 2 ? 6 : 9);
        return switch (k) {
            case 0, 1 -> N.textNode(pick(STRINGS));
            case 2, 3 -> number();
            case 4 -> N.booleanNode(rnd.nextBoolean());
            case 5 -> N.nullNode();
            case 6 -> {
                ObjectNode o = N.objectNode(); // inline (not flattened) object
                for (int i = rnd.nextInt(3); i > 0; i--) {
                    o.set(pick(KEYS), value(depth + 1));
                }
                yield o;
            }
            default -> {
                ArrayNode a = N.arrayNode(); // inline array
                for (int i = rnd.nextInt(4); i > 0; i--) {
                    a.add(value(depth + 1));
                }
                yield a;
            }
        };
    }

    /** A number written as a raw literal in the document file (so serde_json and Jackson both parse it). */
    private JsonNode number() {
        return N.textNode("@@RAW" + pick(NUMBERS) + "@@");
    }

    private String freshId() {
        int n = fresh++;
        return switch (n % 4) {
            case 0 -> "item" + n;
            case 1 -> "ü-" + n;
            case 2 -> "😀" + n;
            default -> "id " + n;
        };
    }

    /** A random edit of the document read from a replica. */
    private ObjectNode mutate(ObjectNode doc) {
        if (rnd.nextInt(25) == 0) {
            ObjectNode d = randomDocument(); // replace everything (deletes every object)
            d.put("_id", "√");
            return d;
        }
        List<ArrayNode> arrays = new ArrayList<>();
        List<ObjectNode> objects = new ArrayList<>();
        collect(doc, arrays, objects);
        int size = objects.size();
        if (rnd.nextBoolean()) {
            // touch every ♭ array, so that libmelda-tools 0.4.1 (which panics on an unchanged one) can commit
            for (ArrayNode a : arrays) {
                editArray(a, size, true);
            }
        } else {
            for (int i = 1 + rnd.nextInt(3); i > 0; i--) {
                switch (rnd.nextInt(5)) {
                    case 0, 1 -> {
                        ObjectNode o = objects.get(rnd.nextInt(objects.size()));
                        String key = pick(KEYS);
                        if (rnd.nextInt(4) == 0) {
                            o.remove(key);
                        } else {
                            o.set(key, value(1));
                        }
                    }
                    case 2, 3 -> {
                        if (!arrays.isEmpty()) {
                            editArray(arrays.get(rnd.nextInt(arrays.size())), size, false);
                        }
                    }
                    default -> move(arrays);
                }
            }
        }
        return doc;
    }

    private void editArray(ArrayNode a, int size, boolean mustChange) {
        int op = rnd.nextInt(4);
        if (a.size() > 0 && (op == 0 || size > 25)) {
            a.remove(rnd.nextInt(a.size()));
        } else if (a.size() > 1 && op == 1) {
            JsonNode x = a.remove(rnd.nextInt(a.size()));
            int to = rnd.nextInt(a.size() + 1);
            a.insert(to, x);
            if (!mustChange) {
                return;
            }
        }
        if (mustChange || op >= 2) {
            a.insert(rnd.nextInt(a.size() + 1), item(2));
        }
    }

    /** Moves an item from one ♭ array to another (ids stay unique). */
    private void move(List<ArrayNode> arrays) {
        if (arrays.size() < 2) {
            return;
        }
        ArrayNode from = arrays.get(rnd.nextInt(arrays.size()));
        ArrayNode to = arrays.get(rnd.nextInt(arrays.size()));
        if (from.isEmpty() || from == to || contains(from, to)) {
            return;
        }
        JsonNode x = from.remove(rnd.nextInt(from.size()));
        to.insert(rnd.nextInt(to.size() + 1), x);
    }

    /** Whether {@code inner} lies inside one of {@code outer}'s items (moving there would nest an item in itself). */
    private static boolean contains(ArrayNode outer, ArrayNode inner) {
        List<ArrayNode> arrays = new ArrayList<>();
        for (JsonNode item : outer) {
            if (item.isObject()) {
                collect((ObjectNode) item, arrays, new ArrayList<>());
            }
        }
        return arrays.stream().anyMatch(x -> x == inner);
    }

    private static void collect(ObjectNode o, List<ArrayNode> arrays, List<ObjectNode> objects) {
        objects.add(o);
        Iterator<Map.Entry<String, JsonNode>> it = o.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getKey().endsWith(FLAT)) {
                continue;
            }
            JsonNode v = e.getValue();
            if (v.isArray()) {
                arrays.add((ArrayNode) v);
                for (JsonNode x : v) {
                    if (x.isObject()) {
                        collect((ObjectNode) x, arrays, objects);
                    }
                }
            } else if (v.isObject()) {
                collect((ObjectNode) v, arrays, objects);
            }
        }
    }

    private static String raw(ObjectNode doc) {
        Matcher m = RAW.matcher(CanonicalJson.write(doc));
        return m.replaceAll(r -> Matcher.quoteReplacement(r.group(1)));
    }

    private <T> T pick(T[] a) {
        return a[rnd.nextInt(a.length)];
    }

    // ------------------------------------------------------------------ files

    private Path copy(Path replica, String name) throws IOException {
        Path to = tmp.resolve("scratch").resolve(name + "-" + replica.getFileName() + "-" + rnd.nextInt(1_000_000));
        Files.createDirectories(to);
        if (Files.isDirectory(replica)) {
            try (Stream<Path> s = Files.walk(replica)) {
                for (Path p : s.toList()) {
                    Path t = to.resolve(replica.relativize(p).toString());
                    if (Files.isDirectory(p)) {
                        Files.createDirectories(t);
                    } else {
                        Files.copy(p, t);
                    }
                }
            }
        }
        return to;
    }

    private static void adopt(Path replica, Path chosen) throws IOException {
        deleteTree(replica);
        Files.move(chosen, replica);
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            s.sorted((a, b) -> b.getNameCount() - a.getNameCount()).forEach(x -> {
                try {
                    Files.delete(x);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }

    /** Relative names of the files in a replica (temp files excluded), sorted. */
    private static List<String> files(Path replica) throws IOException {
        if (!Files.isDirectory(replica)) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(replica)) {
            return s.filter(Files::isRegularFile).map(p -> replica.relativize(p).toString()).sorted().toList();
        }
    }
}
