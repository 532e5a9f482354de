package dev.meldtown.crdt;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meldtown.crdt.internal.DeltaBlocks;
import dev.meldtown.crdt.internal.Hashes;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/**
 * {@link DeltaBlock#parse} streams a well-formed block's fields ({@link DeltaBlocks#stream}) and reads anything else
 * as a tree ({@link DeltaBlock#parseTree}): both ways must give the same block, or the same error, for any bytes.
 */
class DeltaBlockStreamTest {
    private static final String D1 = "7726f1634222e342c18c5d72ff5cfce6a9795173562d29dd6733cee8ab015922";
    private static final String D2 = "bb5c06d735c48947cc7aca8b49c5936c73e37a2bf7cef653b80f5ceb16655724";

    /** Blocks a replica wrote: creations, children, info, packs and parents. */
    @Test
    void everyBlockAReplicaCommitsIsStreamedAndReadsAsTheTreeReadsIt() {
        MemoryStorage storage = new MemoryStorage();
        Replica r = Replica.open(storage);
        r.update("{\"title\":\"a\",\"items\u266D\":[{\"_id\":\"x\",\"n\":1},{\"_id\":\"y\",\"s\":\"\u00e9\\n\\ud83d\\ude00\"}]}");
        r.commit("alice", "first");
        r.update("{\"title\":\"b\",\"items\u266D\":[{\"_id\":\"y\",\"s\":\"z\"},{\"_id\":\"w\",\"f\":-0.0,\"big\":18446744073709551615}]}");
        r.commit("bob", null);
        r.update("{\"title\":\"c\"}");
        r.commit((ObjectNode) null);
        List<String> keys = storage.list(".delta");
        assertThat(keys).hasSize(3);
        boolean sawChild = false;
        for (String listed : keys) {
            String key = listed.endsWith(".delta") ? listed : listed + ".delta";
            byte[] bytes = storage.read(key);
            assertThat(DeltaBlocks.stream(bytes)).as(key).isNotNull();
            DeltaBlock streamed = DeltaBlock.parse(key.substring(0, 64), bytes);
            assertSame(streamed, DeltaBlock.parseTree(Hashes.sha256Hex(bytes), bytes));
            sawChild |= streamed.changes().stream().anyMatch(c -> c.parent() != null);
        }
        assertThat(sawChild).isTrue();
    }

    @Test
    void unusualBytesAreReadAsATreeWithTheSameResultOrError() {
        String deep = "[".repeat(200) + "]".repeat(200);
        List<String> declined = List.of(
                "{\"c\":[[\"a\",\"" + D1 + "\"]],\"c\":[]}", // a key twice: the last wins
                "{\"k\":[\"x\"],\"p\":[1]}", // no "c": no packs or parents, unchecked
                "{\"c\":5}", "{\"c\":[5]}", "{\"c\":[[\"a\"]]}", "{\"c\":[[\"a\",\"b\",\"c\",\"d\"]]}", "{\"c\":[[\"a\",1]]}",
                "{\"c\":[[\"a\",\"\"]]}", "{\"c\":[[\"a\",\"zz\",\"" + D1 + "\"]]}", "{\"c\":[[\"a\",\"2-" + D1 + "\",\"" + D2 + "\"]]}",
                "{\"c\":[],\"k\":\"x\"}", "{\"c\":[],\"p\":[null]}", "{\"c\":[],\"x\":" + deep + "}", "{\"c\":[]} x", "[1]", "",
                "{\"c\":[],\"\\ud800\":1}", "{\"c\":[[\"\\udc00\",\"" + D1 + "\"]]}", "{\"c\":[],\"i\":{\"f\":1e400}}",
                "{\"c\":[],\"i\":{\"n\":1");
        for (String text : declined) {
            byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
            assertThat(DeltaBlocks.stream(bytes)).as(text).isNull();
            assertSameOutcome(text, bytes);
        }
        List<String> streamed = List.of(
                "{\"c\":[]}", "{\"c\":[],\"i\":\"not an object\"}", "{\"c\":[[\"\\u00e9\\n\",\"" + D1 + "\"]],\"x\":[1.5,-0,{\"y\":null}]}",
                "{\"p\":[\"q\"],\"k\":[],\"c\":[[\"a\",\"1-" + D1 + "\",\"" + D2 + "\"]],\"i\":{\"author\":\"\\ud83d\\ude00\",\"n\":18446744073709551615}}",
                " {\"c\" : [ [\"a\" , \"d\"] ] } ", "{\"c\":[],\"x\":99999999999999999999999}");
        for (String text : streamed) {
            byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
            assertThat(DeltaBlocks.stream(bytes)).as(text).isNotNull();
            assertSameOutcome(text, bytes);
        }
        byte[] invalidUtf8 = {'{', '"', 'c', '"', ':', '[', '[', '"', (byte) 0xc0, (byte) 0x80, '"', ',', '"', 'd', '"', ']', ']', '}'};
        assertThat(DeltaBlocks.stream(invalidUtf8)).isNull();
        assertSameOutcome("invalid UTF-8", invalidUtf8);
    }

    @Provide
    Arbitrary<String> mutatedBlocks() {
        String base = "{\"c\":[[\"a\",\"" + D1 + "\"],[\"b\",\"1-" + D1 + "\",\"" + D2 + "\"]],\"i\":{\"author\":\"x\",\"n\":[1,2.5]},\"k\":[\"" + D2 + "\"],\"p\":[\"" + D1 + "\"]}";
        Arbitrary<Integer> at = Arbitraries.integers().between(0, base.length());
        Arbitrary<String> piece = Arbitraries.of("", "\"", ",", "[", "]", "{", "}", ":", "1", "-0", "\"c\":", "\"k\":[]", "null", "\\u", "\\ud800", "2-");
        return at.flatMap(i -> at.flatMap(j -> piece.map(p -> base.substring(0, Math.min(i, j)) + p + base.substring(Math.max(i, j)))));
    }

    @Property(tries = 2000)
    void anyMutationOfABlockReadsTheSameBothWays(@ForAll("mutatedBlocks") String text) {
        assertSameOutcome(text, text.getBytes(StandardCharsets.UTF_8));
    }

    private static void assertSameOutcome(String what, byte[] bytes) {
        String h = Hashes.sha256Hex(bytes);
        Object viaParse = outcome(() -> DeltaBlock.parse(h, bytes));
        Object viaTree = outcome(() -> DeltaBlock.parseTree(h, bytes));
        if (viaParse instanceof DeltaBlock a && viaTree instanceof DeltaBlock b) {
            assertSame(a, b);
        } else {
            assertThat(viaParse).as(what).isEqualTo(viaTree);
        }
    }

    private static Object outcome(java.util.function.Supplier<DeltaBlock> parse) {
        try {
            return parse.get();
        } catch (RuntimeException e) {
            return e.getClass().getName() + ": " + e.getMessage();
        }
    }

    private static void assertSame(DeltaBlock a, DeltaBlock b) {
        assertThat(a.id()).isEqualTo(b.id());
        assertThat(a.changes()).isEqualTo(b.changes());
        assertThat(a.info()).isEqualTo(b.info());
        assertThat(a.packs()).isEqualTo(b.packs());
        assertThat(a.parents()).isEqualTo(b.parents());
        assertThat(a.bytes()).isEqualTo(b.bytes());
        List<Class<?>> infoTypes = new ArrayList<>();
        if (a.info() != null) {
            a.info().fields().forEachRemaining(f -> infoTypes.add(f.getValue().getClass()));
            List<Class<?>> other = new ArrayList<>();
            b.info().fields().forEachRemaining(f -> other.add(f.getValue().getClass()));
            assertThat(infoTypes).isEqualTo(other); // the same number node types, not only equal values
        }
    }
}
