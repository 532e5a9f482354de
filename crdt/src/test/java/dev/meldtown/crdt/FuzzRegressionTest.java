package dev.meldtown.crdt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
