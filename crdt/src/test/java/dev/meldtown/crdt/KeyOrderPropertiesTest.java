package dev.meldtown.crdt;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** KEY_ORDER (a fast UTF-16 fix-up) must equal UTF-8 byte order, which is code point order. */
class KeyOrderPropertiesTest {
    @Provide
    Arbitrary<String> keys() {
        // ASCII, the BMP above the surrogates (U+E000..U+FFFF) and supplementary characters: where UTF-16 order differs
        Arbitrary<String> piece = Arbitraries.oneOf(
                Arbitraries.strings().withCharRange('a', 'c').ofMinLength(0).ofMaxLength(2),
                Arbitraries.strings().withCharRange('\uE000', '\uE002').ofMaxLength(1),
                Arbitraries.strings().withCharRange('\uFFFD', '\uFFFF').ofMaxLength(1),
                Arbitraries.of("\uD83D\uDE00", "\uD800\uDC00", "\uDBFF\uDFFF", "\u00e9", "\u266D"));
        return piece.list().ofMaxSize(4).map(l -> String.join("", l));
    }

    @Property(tries = 3000)
    void keyOrderIsUtf8ByteOrder(@ForAll("keys") String a, @ForAll("keys") String b) {
        int expected = Integer.signum(Arrays.compareUnsigned(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8)));
        assertThat(Integer.signum(CanonicalJson.KEY_ORDER.compare(a, b))).isEqualTo(expected);
    }
}
