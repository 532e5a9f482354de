package dev.meldtown.crdt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.meldtown.crdt.internal.Pack;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 10 item 2: one limit on document shape; what the writer accepts, the reader reads. */
class DocumentLimitsTest {
    private static final JsonNodeFactory N = JsonNodeFactory.instance;
    private static final int LIMIT = DocumentLimits.DEFAULT.maxDepth();

    @TempDir
    Path tmp;

    /** {@code depth} nested containers: the root object, then objects (or arrays) under key {@code k}. */
    static ObjectNode nested(int depth, String key, boolean arrays) {
        ObjectNode root = N.objectNode();
        JsonNode cur = root;
        for (int d = 2; d <= depth; d++) {
            JsonNode child = arrays && d % 2 == 0 ? N.arrayNode() : N.objectNode();
            if (cur instanceof ObjectNode o) {
                o.set(key, child);
            } else {
                ((ArrayNode) cur).add(child);
            }
            cur = child;
        }
        if (cur instanceof ObjectNode o) {
            o.put("leaf", true);
        } else {
            ((ArrayNode) cur).add("leaf");
        }
        return root;
    }

    @Test
    void theDefaultDepthIsTheDeepestDocumentWhosePackSerdeJsonCanRead() {
        assertThat(DocumentLimits.MAX_STORED_DEPTH).isEqualTo(127);
        assertThat(LIMIT).isEqualTo(DocumentLimits.MAX_READABLE_DEPTH).isEqualTo(126);
        assertThatThrownBy(() -> new DocumentLimits(127, 1, 1, 1, 100)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("1..126");
    }

    @Test
    void depthExactlyAtTheLimitRoundTripsThroughStorage() {
        for (String key : List.of("k", "k\u266D")) { // inline content, and a chain of flattened objects
            FileStorage s = new FileStorage(tmp.resolve("at-limit-" + key.length()));
            ObjectNode doc = nested(LIMIT, key, false);
            Replica w = Replica.open(s);
            assertThat(w.update(doc)).isTrue();
            assertThat(w.commit("t", "deep")).isPresent();
            Replica r = Replica.open(s); // a fresh reader parses every stored file again
            assertThat(r.invalidBlocks()).isEmpty();
            assertThat(stripIds(r.read())).isEqualTo(doc);
        }
    }

    @Test
    void oneLevelBeyondTheLimitIsRefusedBeforeAnyFileIsWritten() throws Exception {
        FileStorage s = new FileStorage(tmp.resolve("beyond"));
        Replica w = Replica.open(s);
        w.update(TestDocs.obj("{'a':1}"));
        w.commit("t", "first");
        List<String> before = s.list("");
        for (ObjectNode doc : List.of(nested(LIMIT + 1, "k", false), nested(LIMIT + 1, "k\u266D", false), nested(LIMIT + 1, "k", true))) {
            assertThatThrownBy(() -> w.update(doc)).isInstanceOf(DocumentLimitException.class)
                    .hasMessageContaining("nested deeper than 126 levels at /k");
            assertThat(w.hasStagedChanges()).isFalse();
            assertThat(w.commit("t", "nothing")).isEmpty();
        }
        // and as text (the CLI's and the convenience API's path), also far beyond the parser's own limit
        for (int depth : new int[] {LIMIT + 1, 200, 5000}) {
            String text = "{\"k\":".repeat(depth - 1) + "{}" + "}".repeat(depth - 1);
            assertThatThrownBy(() -> w.update(text)).isInstanceOf(DocumentLimitException.class)
                    .hasMessageContaining("nested deeper than 126 levels");
        }
        assertThat(s.list("")).isEqualTo(before);
        assertThat(Replica.open(s).read().get("a").intValue()).isEqualTo(1);
    }

    @Test
    void theCommitInformationIsHeldToTheSameLimitsBecauseItIsStoredInTheDelta() {
        MemoryStorage s = new MemoryStorage();
        Replica w = Replica.open(s);
        w.update(TestDocs.obj("{'a':1}"));
        assertThatThrownBy(() -> w.commit(nested(LIMIT + 1, "k", false))).isInstanceOf(DocumentLimitException.class)
                .hasMessageContaining("nested deeper than 126 levels");
        assertThat(s.list("")).isEmpty();
        String block = w.commit(nested(LIMIT, "k", false)).orElseThrow();
        assertThat(Replica.open(s).block(block).info().get("k")).isNotNull();
    }

    @Property(tries = 60)
    void acceptedIffWithinTheDepthLimitAndAcceptedMeansReadable(@ForAll @IntRange(min = 1, max = 140) int depth,
            @ForAll boolean arrays, @ForAll boolean flat) {
        MemoryStorage s = new MemoryStorage();
        Replica w = Replica.open(s);
        ObjectNode doc = nested(depth, flat && !arrays ? "k\u266D" : "k", arrays);
        if (depth > LIMIT) {
            assertThatThrownBy(() -> w.update(doc)).isInstanceOf(InvalidDocumentException.class);
            assertThat(s.list("")).isEmpty();
            return;
        }
        w.update(doc);
        w.commit((ObjectNode) null);
        assertThat(stripIds(Replica.open(s).read())).isEqualTo(doc);
    }

    @Test
    void theReaderRefusesAStoredObjectOneLevelTooDeepAsSerdeJsonDoes() {
        byte[] ok = ("[" + CanonicalJson.write(nested(LIMIT, "k", false)) + "]").getBytes(StandardCharsets.UTF_8);
        assertThat(Pack.parse(null, ok, null).digests()).hasSize(1);
        assertThat(CanonicalJson.parse(ok)).isNotNull();
        byte[] deep = ("[" + CanonicalJson.write(nested(LIMIT + 1, "k", false)) + "]").getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> CanonicalJson.parse(deep)).isInstanceOf(CorruptDataException.class)
                .hasMessageContaining("nested deeper than 127 levels");
    }

    @Test
    void sizeLimitsNameWhereTheDocumentExceedsThem() {
        DocumentLimits small = new DocumentLimits(10, 3, 3, 5, 60);
        Replica w = Replica.open(new MemoryStorage()).limits(small);
        assertThat(w.limits()).isEqualTo(small);
        assertThatThrownBy(() -> w.update(TestDocs.obj("{'l\u266D':[{'_id':'a'},{'_id':'b'},{'_id':'c'},{'_id':'d'}]}")))
                .isInstanceOf(InvalidDocumentException.class).hasMessage("array of 4 elements exceeds the limit of 3 at /l\u266D");
        assertThatThrownBy(() -> w.update(TestDocs.obj("{'o':{'a':1,'b':2,'c':3,'d':4}}")))
                .isInstanceOf(InvalidDocumentException.class).hasMessage("object with 4 members exceeds the limit of 3 at /o");
        assertThatThrownBy(() -> w.update(TestDocs.obj("{'o':{'a':'123456'}}")))
                .isInstanceOf(InvalidDocumentException.class).hasMessage("string of 6 characters exceeds the limit of 5 at /o/a");
        assertThatThrownBy(() -> w.update(TestDocs.obj("{'longkey':1}")))
                .isInstanceOf(InvalidDocumentException.class).hasMessage("string of 7 characters exceeds the limit of 5 at /longkey");
        assertThatThrownBy(() -> w.update(TestDocs.obj("{'a':'12345','b':'12345','c':{'d':'12345','e':'12345','f':'12345'}}")))
                .isInstanceOf(InvalidDocumentException.class).hasMessageStartingWith("document exceeds the limit of 60 bytes");
        String big = "{\"a\":\"" + "x".repeat(100) + "\"}";
        assertThatThrownBy(() -> w.update(big)).isInstanceOf(InvalidDocumentException.class)
                .hasMessage("document of 108 bytes exceeds the limit of 60 bytes");
        assertThat(w.hasStagedChanges()).isFalse();
        assertThat(w.update(TestDocs.obj("{'a':'12345','c':[1,2,'x']}"))).isTrue();
    }

    @Property(tries = 200)
    void theByteCountIsTheCanonicalSize(@ForAll("documents") ObjectNode doc) {
        int size = CanonicalJson.bytes(doc).length;
        new DocumentLimits(126, 1000, 1000, 1000, size).check(doc);
        assertThatThrownBy(() -> new DocumentLimits(126, 1000, 1000, 1000, size - 1).check(doc))
                .isInstanceOf(InvalidDocumentException.class).hasMessageStartingWith("document exceeds");
    }

    @net.jqwik.api.Provide
    net.jqwik.api.Arbitrary<ObjectNode> documents() {
        return net.jqwik.api.Arbitraries.longs().map(seed -> {
            Random rnd = new Random(seed);
            ObjectNode o = N.objectNode();
            fill(o, rnd, 0);
            return o;
        });
    }

    private static final String[] STRINGS = {"", "a", "héllo", "日本", "😀", "q\"b\\s", "\t\n\u0001\u001f", "\u2028", "\u007f"};

    private static void fill(ObjectNode o, Random rnd, int depth) {
        for (int i = rnd.nextInt(4); i > 0; i--) {
            o.set(STRINGS[rnd.nextInt(STRINGS.length)] + i, value(rnd, depth + 1));
        }
    }

    private static JsonNode value(Random rnd, int depth) {
        switch (rnd.nextInt(depth > 3 ? 5 : 7)) {
            case 0:
                return N.textNode(STRINGS[rnd.nextInt(STRINGS.length)]);
            case 1:
                return CanonicalJson.parse(new String[] {"0", "-1", "1.5", "1e300", "18446744073709551615", "-0.0", "1e-7"}[rnd.nextInt(7)]);
            case 2:
                return N.booleanNode(rnd.nextBoolean());
            case 3:
                return N.nullNode();
            case 4:
                return N.numberNode(rnd.nextLong());
            case 5: {
                ObjectNode o = N.objectNode();
                fill(o, rnd, depth);
                return o;
            }
            default: {
                ArrayNode a = N.arrayNode();
                for (int i = rnd.nextInt(4); i > 0; i--) {
                    a.add(value(rnd, depth + 1));
                }
                return a;
            }
        }
    }

    @Test
    void aFileWrittenAtTheLimitIsReadByAFreshReplicaFromDisk() throws Exception {
        // the files on disk, not the writer's memory, are what a second process reads
        Path dir = tmp.resolve("disk");
        Replica w = Replica.open(new FileStorage(dir));
        w.update(nested(LIMIT, "k", true));
        String block = w.commit("t", "d").orElseThrow();
        byte[] delta = Files.readAllBytes(dir.resolve(block.substring(0, 2)).resolve(block + ".delta"));
        assertThat(DeltaBlock.parse(block, delta).packs()).hasSize(1);
        assertThat(Replica.open(new FileStorage(dir)).read().get("k").isArray()).isTrue();
    }

    /** The reader adds {@code _id} to each object it rebuilds from a flattened one. */
    static ObjectNode stripIds(ObjectNode read) {
        ObjectNode c = read.deepCopy();
        strip(c);
        return c;
    }

    private static void strip(JsonNode n) {
        if (n instanceof ObjectNode o) {
            o.remove("_id");
        }
        n.forEach(DocumentLimitsTest::strip);
    }
}
