package dev.meldtown.crdt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.meldtown.crdt.internal.DoubleFormat;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CanonicalJsonTest {

    private static String canon(String json) {
        return CanonicalJson.write(CanonicalJson.parse(json));
    }

    @Test
    void compactWithSortedKeys() {
        assertThat(canon("{ \"b\" : 1 , \"a\" : [ 1 , 2 , { \"z\":null, \"y\":true } ] }"))
                .isEqualTo("{\"a\":[1,2,{\"y\":true,\"z\":null}],\"b\":1}");
    }

    @Test
    void keysSortedByUtf8BytesNotUtf16Units() {
        // U+FFFF sorts before U+1F600 in UTF-8/code point order; Java's String.compareTo says the opposite.
        String json = "{\"\uD83D\uDE00\":1,\"\uFFFF\":2,\"\u00e9\":3,\"z\":4}";
        assertThat(canon(json)).isEqualTo("{\"z\":4,\"\u00e9\":3,\"\uFFFF\":2,\"\uD83D\uDE00\":1}");
        assertThat("\uD83D\uDE00".compareTo("\uFFFF")).isNegative(); // the trap we avoid
    }

    @Test
    void stringEscapesLikeSerde() {
        String in = "\"q\\\" b\\\\ \\b\\f\\n\\r\\t \\u0001\\u001f / \\u007f \\u2028\\u2029 \\u00e9 \\ud83d\\ude00\"";
        String out = canon(in);
        assertThat(out).isEqualTo("\"q\\\" b\\\\ \\b\\f\\n\\r\\t \\u0001\\u001f / \u007f \u2028\u2029 \u00e9 \uD83D\uDE00\"");
    }

    @Test
    void duplicateKeysLastWins() {
        assertThat(canon("{\"a\":1,\"a\":2}")).isEqualTo("{\"a\":2}");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "0|0", "-0|-0.0", "42|42", "-42|-42",
        "18446744073709551615|18446744073709551615",
        "18446744073709551616|1.8446744073709552e19",
        "-9223372036854775808|-9223372036854775808",
        "-9223372036854775809|-9.223372036854776e18",
        "1.0|1.0", "-0.0|-0.0", "0.0|0.0", "1E2|100.0", "1e15|1000000000000000.0", "1e16|1e16",
        "1.5e300|1.5e300", "1e-7|1e-7", "1e-4|0.0001", "1e-5|0.00001", "5e-5|0.00005", "1.23|1.23",
        "0.30000000000000004|0.30000000000000004", "5e-324|5e-324",
        "1.7976931348623157e308|1.7976931348623157e308", "2.2250738585072014e-308|2.2250738585072014e-308",
        "123456789012345678.0|1.2345678901234568e17", "9007199254740993.0|9007199254740992.0",
        "-2.5|-2.5", "1e21|1e21", "1e22|1e22", "1e23|1e23", "4.35|4.35", "9.5367431640625e-07|9.5367431640625e-7",
        "0.3333333333333333|0.3333333333333333", "1234.5678|1234.5678", "0.00012345|0.00012345",
        "1.7920435971799646e-16|1.7920435971799646e-16", "5.972115650501124e-187|5.972115650501124e-187",
        "3.47746221006508e-282|3.47746221006508e-282", "2.2554341688235524e-134|2.2554341688235524e-134",
    })
    void numbersLikeSerdeAndRyu(String in, String expected) {
        assertThat(canon(in)).isEqualTo(expected);
    }

    @Test
    void doubleFormatLayoutBoundaries() {
        assertThat(DoubleFormat.format(1e16 - 2)).isEqualTo("9999999999999998.0");
        assertThat(DoubleFormat.format(123456.0)).isEqualTo("123456.0");
        assertThat(DoubleFormat.format(0.5)).isEqualTo("0.5");
        assertThat(DoubleFormat.format(Double.NaN)).isEqualTo("null");
    }

    @Test
    void invalidJsonIsTypedError() {
        assertThatThrownBy(() -> CanonicalJson.parse("{\"a\":")).isInstanceOf(CorruptDataException.class);
        assertThatThrownBy(() -> CanonicalJson.parse("{} x")).isInstanceOf(CorruptDataException.class);
        assertThatThrownBy(() -> CanonicalJson.parse("1e400")).isInstanceOf(CorruptDataException.class);
    }

    /**
     * Regression (found by the CLI's randomized differential test): serde_json reads the integer literal -0 as
     * the float -0.0, so libmelda-tools stores and reads {@code {"a":-0.0}} for {@code {"a":-0}}; the spec's
     * "-0 becomes 0" was wrong and gave different digests and revisions.
     */
    @Test
    void negativeZeroIntegerIsAFloatAsInSerde() {
        assertThat(canon("{\"a\":-0,\"b\":[-0,0,-1],\"c\":-0E0,\"d\":-0.0e-0}"))
                .isEqualTo("{\"a\":-0.0,\"b\":[-0.0,0,-1],\"c\":-0.0,\"d\":-0.0}");
        // libmelda-tools 0.2.0 commits this document (no author/description) as this block; one object, so deterministic
        Replica r = Replica.open(new MemoryStorage());
        r.update("{\"a\":-0,\"b\":[-0,0,-1],\"c\":-0E0,\"d\":-0.0e-0}");
        assertThat(r.commit(null, null)).contains("52834d75b3722a9bab4455767dda759a3e270d96096c2c926823d811820d3483");
    }

    /** serde_json refuses documents nested 128 levels deep (libmelda-tools: "recursion limit exceeded"); so do we. */
    @Test
    void nestingLimitIsSerdes() {
        String ok = "{\"a\":" + "[".repeat(126) + "]".repeat(126) + "}";
        String tooDeep = "{\"a\":" + "[".repeat(127) + "]".repeat(127) + "}";
        assertThat(CanonicalJson.parse(ok).isObject()).isTrue();
        assertThatThrownBy(() -> CanonicalJson.parse(tooDeep)).isInstanceOf(CorruptDataException.class)
                .hasMessageContaining("recursion limit");
    }

    @Test
    void bytesAreUtf8() {
        byte[] b = CanonicalJson.bytes(CanonicalJson.parse("{\"√\":\"♭\"}"));
        assertThat(b).isEqualTo("{\"√\":\"♭\"}".getBytes(StandardCharsets.UTF_8));
        assertThat(b).hasSize(13); // {"√":"♭"}: 7 ASCII bytes + two 3-byte characters
    }
}
