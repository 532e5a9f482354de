package dev.meldtown.crdt;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.meldtown.crdt.internal.DoubleFormat;
import dev.meldtown.crdt.internal.Myers;
import dev.meldtown.crdt.internal.Patches;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

class PropertiesTest {
    private static final JsonNodeFactory N = JsonNodeFactory.instance;

    // ---------------------------------------------------------------- canonical JSON

    @Provide
    Arbitrary<JsonNode> json() {
        return Arbitraries.recursive(this::leaf, this::container, 0, 3);
    }

    private Arbitrary<JsonNode> leaf() {
        return Arbitraries.oneOf(
                Arbitraries.strings().all().ofMaxLength(8)
                        .filter(s -> s.codePoints().noneMatch(c -> c >= 0xD800 && c <= 0xDFFF) || validSurrogates(s))
                        .map(s -> (JsonNode) TextNode.valueOf(s)),
                Arbitraries.longs().map(l -> (JsonNode) N.numberNode(l)),
                Arbitraries.doubles().filter(Double::isFinite).map(d -> (JsonNode) N.numberNode(d)),
                Arbitraries.of(true, false).map(b -> (JsonNode) N.booleanNode(b)),
                Arbitraries.just((JsonNode) N.nullNode()));
    }

    private static boolean validSurrogates(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return false;
            }
        }
        return true;
    }

    private Arbitrary<JsonNode> container(Arbitrary<JsonNode> inner) {
        Arbitrary<JsonNode> arr = inner.list().ofMaxSize(4).map(l -> {
            ArrayNode a = N.arrayNode();
            l.forEach(a::add);
            return a;
        });
        Arbitrary<JsonNode> obj = Arbitraries.maps(Arbitraries.strings().all().ofMaxLength(4).filter(PropertiesTest::validSurrogates), inner)
                .ofMaxSize(4).map(m -> {
                    ObjectNode o = N.objectNode();
                    m.forEach(o::set);
                    return o;
                });
        return Arbitraries.oneOf(arr, obj);
    }

    @Property(tries = 300)
    void canonicalWriterRoundTrips(@ForAll("json") JsonNode n) {
        String once = CanonicalJson.write(n);
        JsonNode back = CanonicalJson.parse(once);
        assertThat(CanonicalJson.write(back)).isEqualTo(once);
        assertThat(back).isEqualTo(CanonicalJson.normalize(n.deepCopy()));
    }

    @Property(tries = 1000)
    void doublesAreShortestAndRoundTrip(@ForAll double d) {
        String s = DoubleFormat.format(d);
        if (!Double.isFinite(d)) {
            assertThat(s).isEqualTo("null");
            return;
        }
        assertThat(Double.parseDouble(s)).isEqualTo(d);
        // no shorter decimal round-trips: the significant digits are at most those of any round-tripping form
        String digits = new BigDecimal(s).stripTrailingZeros().unscaledValue().abs().toString();
        String jdk = new BigDecimal(Double.toString(Math.abs(d))).stripTrailingZeros().unscaledValue().toString();
        assertThat(digits.length()).isLessThanOrEqualTo(jdk.length());
        assertThat(s).doesNotContain("+").doesNotContain("E");
    }

    @Property(tries = 3000)
    void doublesTakenFromTheJdkAreTheExactSearchsDigits(@ForAll("doublesOfEveryKind") double d) {
        assertThat(DoubleFormat.format(d)).isEqualTo(DoubleFormat.formatExact(d));
    }

    /** Any bit pattern, short decimals (what documents mostly hold) at every scale, and the edges of the normal range. */
    @Provide
    Arbitrary<Double> doublesOfEveryKind() {
        Arbitrary<Double> bits = Arbitraries.longs().map(Double::longBitsToDouble);
        Arbitrary<Double> shortDecimals = net.jqwik.api.Combinators.combine(
                Arbitraries.longs().between(-999_999_999_999_999L, 999_999_999_999_999L).filter(l -> l != 0),
                Arbitraries.integers().between(-320, 300))
                .as((digits, exp) -> new BigDecimal(java.math.BigInteger.valueOf(digits), -exp).doubleValue());
        Arbitrary<Double> edges = Arbitraries.of(Double.MIN_NORMAL, Math.nextUp(Double.MIN_NORMAL), Math.nextDown(Double.MIN_NORMAL),
                Double.MIN_VALUE, Double.MAX_VALUE, 1e23, 2e23, 8.41e21, 5e-324, 1e-5, 1e-4, 1e16, 1e15, 9007199254740993.0, 0.1 + 0.2);
        return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(3, bits), net.jqwik.api.Tuple.of(6, shortDecimals), net.jqwik.api.Tuple.of(1, edges));
    }

    // ---------------------------------------------------------------- diff + patch

    @Property(tries = 500)
    void diffThenPatchGivesTarget(@ForAll @Size(max = 12) List<@IntRange(min = 0, max = 5) Integer> a,
                                  @ForAll @Size(max = 12) List<@IntRange(min = 0, max = 5) Integer> b) {
        List<JsonNode> from = new ArrayList<>();
        a.forEach(i -> from.add(N.numberNode(i)));
        List<JsonNode> to = new ArrayList<>();
        b.forEach(i -> to.add(N.numberNode(i)));
        ArrayNode patch = Myers.diff(from, to);
        List<JsonNode> work = new ArrayList<>(from);
        Patches.apply(work, patch, "property");
        assertThat(work).isEqualTo(to);
        if (from.equals(to)) {
            assertThat(patch).isEmpty();
        }
    }

    // ---------------------------------------------------------------- flatten / unflatten through a replica

    /** A document with unique ids in ♭ arrays, ♭ strings and objects, and verbatim non-♭ values. */
    static ObjectNode randomDoc(Random rnd, String prefix) {
        ObjectNode doc = N.objectNode();
        doc.put("_id", "\u221A");
        doc.put("title", "t" + rnd.nextInt(5));
        if (rnd.nextBoolean()) {
            doc.put("s\u266D", rnd.nextBoolean() ? "!bang" : "plain " + rnd.nextInt(3));
        }
        if (rnd.nextBoolean()) {
            doc.set("raw", CanonicalJson.parse("{\"x\u266D\":[1,\"a\"],\"n\":" + rnd.nextInt(9) + "}"));
        }
        ArrayNode items = doc.putArray("items\u266D");
        int n = rnd.nextInt(5);
        for (int i = 0; i < n; i++) {
            ObjectNode it = items.addObject();
            it.put("_id", prefix + i);
            it.put("v", rnd.nextInt(100));
            if (rnd.nextInt(3) == 0) {
                ArrayNode sub = it.putArray("sub\u266D");
                for (int j = 0; j < rnd.nextInt(3); j++) {
                    sub.addObject().put("_id", prefix + i + "_" + j).put("w", j);
                }
            }
            if (rnd.nextInt(4) == 0) {
                it.putObject("o\u266D").put("_id", prefix + i + "_o").put("deep", "y");
            }
        }
        return doc;
    }

    @Property(tries = 60)
    void flattenUnflattenRoundTripsThroughAReplica(@ForAll long seed) {
        Random rnd = new Random(seed);
        Replica r = Replica.open(new MemoryStorage());
        for (int round = 0; round < 3; round++) {
            ObjectNode doc = randomDoc(rnd, "id" + rnd.nextInt(2) + "_");
            r.update(doc);
            r.commit((ObjectNode) null);
            assertThat(CanonicalJson.write(r.read())).isEqualTo(CanonicalJson.write(doc));
            assertThat(CanonicalJson.write(Replica.open(r.storage()).read())).isEqualTo(CanonicalJson.write(doc));
        }
    }

    // ---------------------------------------------------------------- meld across three replicas

    @Property(tries = 25)
    void meldIsCommutativeAndIdempotent(@ForAll long seed, @ForAll @IntRange(min = 0, max = 5) int perm) {
        Random rnd = new Random(seed);
        MemoryStorage base = new MemoryStorage();
        Replica origin = Replica.open(base);
        origin.update(randomDoc(rnd, "base_"));
        origin.commit((ObjectNode) null);
        List<MemoryStorage> stores = new ArrayList<>();
        for (int k = 0; k < 3; k++) {
            MemoryStorage s = new MemoryStorage();
            Replica r = Replica.open(s);
            r.meld(base);
            for (int e = 0; e < 1 + rnd.nextInt(2); e++) {
                ObjectNode doc = r.read();
                ArrayNode items = (ArrayNode) doc.get("items\u266D");
                if (items.size() > 0 && rnd.nextBoolean()) {
                    items.remove(rnd.nextInt(items.size()));
                }
                items.insert(rnd.nextInt(items.size() + 1), N.objectNode().put("_id", "r" + k + "_" + e).put("v", e));
                if (rnd.nextBoolean()) {
                    doc.put("title", "by " + k);
                }
                r.update(doc);
                r.commit((ObjectNode) null);
            }
            stores.add(s);
        }
        int[][] orders = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};
        Replica x = Replica.open(new MemoryStorage());
        for (int i : orders[0]) {
            x.meld(stores.get(i));
        }
        Replica y = Replica.open(new MemoryStorage());
        for (int i : orders[perm]) {
            y.meld(stores.get(i));
        }
        assertThat(CanonicalJson.write(y.read())).isEqualTo(CanonicalJson.write(x.read()));
        assertThat(y.anchors()).isEqualTo(x.anchors());
        assertThat(y.conflicts()).extracting(Conflict::uuid).isEqualTo(x.conflicts().stream().map(Conflict::uuid).toList());
        assertThat(y.storage().list("")).isEqualTo(x.storage().list(""));
        // idempotent: melding again copies nothing and changes nothing
        String before = CanonicalJson.write(y.read());
        for (MemoryStorage s : stores) {
            assertThat(y.meld(s).copied()).isEmpty();
        }
        assertThat(CanonicalJson.write(y.read())).isEqualTo(before);
        // and every item any replica kept in its array is present once in the merged document
        List<String> ids = new ArrayList<>();
        y.read().get("items\u266D").forEach(n -> ids.add(n.get("_id").textValue()));
        assertThat(ids).doesNotHaveDuplicates();
        // a commit on top of the meld resolves descriptors without losing the merged order
        List<String> merged = new ArrayList<>(ids);
        y.update(y.read());
        y.commit((ObjectNode) null);
        List<String> after = new ArrayList<>();
        y.read().get("items\u266D").forEach(n -> after.add(n.get("_id").textValue()));
        assertThat(after).isEqualTo(merged);
    }
}
