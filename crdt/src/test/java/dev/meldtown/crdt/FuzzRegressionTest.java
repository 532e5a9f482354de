package dev.meldtown.crdt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.meldtown.crdt.internal.Pack;
import dev.meldtown.crdt.internal.Hashes;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every defect found by the fuzz targets of {@link CrdtFuzzTest} (their inputs also stay in the corpus) and by the
 * benchmark, as named tests.
 */
class FuzzRegressionTest {
    private static byte[] bytes(int... b) {
        byte[] out = new byte[b.length];
        for (int i = 0; i < b.length; i++) {
            out[i] = (byte) b[i];
        }
        return out;
    }

    /**
     * Jazzer, canonicalJson, crash-35aeeb29…: {@code "\ud837"} parsed into a Java string with a lone surrogate
     * that the writer then refused (InvalidDocumentException from write after a successful parse). serde_json
     * rejects such escapes, so parse does too.
     */
    @Test
    void loneSurrogateEscapeIsRejectedByParse() {
        for (String s : List.of("\"\\ud837\"", "\"\\udc00x\"", "{\"\\ud800\":1}", "[\"a\\ud83d\\u0041\"]")) {
            assertThatThrownBy(() -> CanonicalJson.parse(s)).as(s).isInstanceOf(CorruptDataException.class);
        }
        assertThat(CanonicalJson.write(CanonicalJson.parse("\"\\ud83d\\ude00\""))).isEqualTo("\"\uD83D\uDE00\"");
    }

    /** Jackson also accepted UTF-8 that serde_json refuses: encoded surrogates, overlong forms, beyond U+10FFFF. */
    @Test
    void invalidUtf8IsRejectedByParse() {
        List<byte[]> bad = List.of(
                bytes('"', 0xED, 0xA0, 0x80, '"'), // U+D800 encoded
                bytes('"', 0xC0, 0xAF, '"'), // overlong '/'
                bytes('"', 0xE0, 0x80, 0xAF, '"'), // overlong, 3 bytes
                bytes('"', 0xF4, 0x90, 0x80, 0x80, '"'), // U+110000
                bytes('"', 0xE2, 0x99, '"'), // truncated
                bytes('"', 0xE2, 0x99)); // truncated at the end
        for (byte[] b : bad) {
            assertThatThrownBy(() -> CanonicalJson.parse(b)).isInstanceOf(CorruptDataException.class);
        }
        byte[] good = "\"\u266D \u00e9 \uD83D\uDE00 \uFFFF\"".getBytes(StandardCharsets.UTF_8);
        assertThat(CanonicalJson.bytes(CanonicalJson.parse(good))).isEqualTo(good);
    }

    /**
     * Found while writing the pack target: an index entry {@code [Long.MAX_VALUE, 1]} overflowed the range check
     * ({@code off + len} wrapped negative) and crashed with ArrayIndexOutOfBounds; such an index is now ignored and
     * the pack scanned.
     */
    @Test
    void packIndexWithOverflowingRangeFallsBackToTheScan() {
        byte[] pack = "[{\"a\":1}]".getBytes(StandardCharsets.UTF_8);
        String empty = Hashes.sha256Hex(new byte[0]);
        for (String range : List.of("[9223372036854775807,1]", "[1,9223372036854775807]", "[9223372036854775807,9223372036854775807]")) {
            byte[] index = ("{\"" + empty + "\":" + range + "}").getBytes(StandardCharsets.UTF_8);
            Pack p = Pack.parse(null, pack, index);
            assertThat(p.digests()).containsExactly(Hashes.sha256Hex("{\"a\":1}".getBytes(StandardCharsets.UTF_8)));
        }
    }

    /**
     * Jazzer, replica, crash-05155c25…: after a meld left the ♭ array's descriptor with two leaves, an update that
     * moved an element (one only the other leaf had) into a nested array was diffed against the winner's own order,
     * and commit's auto-resolve merged the other leaf back in: the element stayed at its old place and the nested
     * array came back empty. Update now resolves a conflicting descriptor to the merged order it diffs against.
     */
    @Test
    void updateAfterMeldMovesAnElementOutOfAConflictingArray() {
        MemoryStorage a = new MemoryStorage();
        Replica ra = Replica.open(a);
        ra.update(TestDocs.obj("{'items\u266D':[{'_id':'a'},{'_id':'b'}]}"));
        ra.commit((com.fasterxml.jackson.databind.node.ObjectNode) null);
        MemoryStorage b = new MemoryStorage();
        Replica.copyMissing(a, b);
        Replica rb = Replica.open(b);
        ra.update(TestDocs.obj("{'items\u266D':[{'_id':'d'},{'_id':'a'},{'_id':'b'}]}"));
        ra.commit((com.fasterxml.jackson.databind.node.ObjectNode) null);
        rb.update(TestDocs.obj("{'items\u266D':[{'_id':'e'},{'_id':'a'},{'_id':'b'}]}"));
        rb.commit((com.fasterxml.jackson.databind.node.ObjectNode) null);
        rb.meld(a);
        assertThat(rb.read().get("items\u266D")).hasSize(4);

        // move the element each side put in front (one of them is only in the losing leaf) into a nested array
        String moved = "{\"_id\":\"\u221A\",\"items\u266D\":[{\"_id\":\"a\"},{\"_id\":\"b\",\"sub\u266D\":[{\"_id\":\"d\"},{\"_id\":\"e\"}]}]}";
        rb.update(TestDocs.obj(moved));
        rb.commit((com.fasterxml.jackson.databind.node.ObjectNode) null);
        assertThat(TestDocs.canon(rb.read())).isEqualTo(moved);
        assertThat(TestDocs.canon(Replica.open(b).read())).isEqualTo(moved);
        assertThat(Replica.open(b).conflicts()).isEmpty();
    }

    /** Found by the benchmark: needsIndex compared digests against a list, quadratic (seconds at 30k objects). */
    @Test
    void needsIndexIsLinearFor100kObjects() {
        List<byte[]> objects = new ArrayList<>();
        for (int i = 0; i < 100_000; i++) {
            objects.add(("{\"_id\":\"item-" + i + "\",\"done\":false}").getBytes(StandardCharsets.UTF_8));
        }
        Pack p = Pack.build(objects);
        long t0 = System.nanoTime();
        assertThat(p.needsIndex()).isFalse();
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertThat(ms).as("needsIndex over 100k objects took %d ms", ms).isLessThan(3_000);
    }
}
