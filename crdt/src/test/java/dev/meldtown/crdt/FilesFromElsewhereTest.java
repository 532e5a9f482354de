package dev.meldtown.crdt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.meldtown.crdt.internal.DeltaBlocks;
import dev.meldtown.crdt.internal.Pack;
import dev.meldtown.crdt.internal.Hashes;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Issue 10 item 9 (see README "Files from elsewhere"): pack validation and the missing-parent decision. */
class FilesFromElsewhereTest {
    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aPackMustBeAJsonArrayOfObjects() {
        for (String bad : List.of("", "hello, no JSON here", "[]", "[1,2]", "{\"a\":1}", "[{\"a\":1}] trailing", "[{\"a\":1},]",
                "[{\"a\":1e999}]", "[{\"a\":\"\\ud800\"}]", "[{\"a\":1}", "[{\"a\":1}]]", "[[{\"a\":1}]]", "\"[{}]\"")) {
            byte[] b = utf8(bad);
            String h = Hashes.sha256Hex(b);
            assertThatThrownBy(() -> Pack.parse(h, b, null)).as(bad).isInstanceOf(CorruptDataException.class)
                    .hasMessageStartingWith("pack " + h);
        }
        byte[] invalidUtf8 = {'[', '{', '"', 'a', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}', ']'};
        assertThatThrownBy(() -> Pack.parse(null, invalidUtf8, null)).isInstanceOf(CorruptDataException.class)
                .hasMessageContaining("invalid UTF-8");
        String deep = "[" + "{\"k\":".repeat(127) + "{}" + "}".repeat(127) + "]"; // 129 levels with the array
        assertThatThrownBy(() -> Pack.parse(null, utf8(deep), null)).isInstanceOf(CorruptDataException.class)
                .hasMessageContaining("nested deeper than 127 levels");
        // what Melda writes, whitespace, braces and brackets inside strings, an index: all fine
        for (String ok : List.of("[{\"a\":1}]", "[ {\"a\":1} , {\"b\":[1,{\"c\":\"}]{\"}]} ]", "[{}]")) {
            assertThat(Pack.parse(null, utf8(ok), null).digests()).as(ok).isNotEmpty();
        }
        Pack built = Pack.build(List.of(utf8("{\"x\":\"a{b\"}"), utf8("{\"y\":2}")));
        assertThat(Pack.parse(built.hash(), built.bytes(), built.indexBytes()).digests()).containsExactlyInAnyOrderElementsOf(built.digests());
    }

    @Test
    void aBlockThatNeedsACorruptPackIsReportedAsACorruptFile() {
        MemoryStorage s = new MemoryStorage();
        Replica w = Replica.open(s);
        w.update("{\"a\":1}");
        w.commit("t", "1");
        byte[] notJson = utf8("not a pack");
        String h = Hashes.sha256Hex(notJson);
        s.write(h + ".pack", notJson);
        DeltaBlock b = DeltaBlocks.create(List.of(new DeltaBlock.Change("x", null, "0".repeat(64))), null, List.of(h), w.anchors());
        s.write(b.key(), b.bytes());
        Replica r = Replica.open(s);
        assertThat(r.corruptFiles()).containsOnlyKeys(h + ".pack");
        assertThat(r.invalidBlocks().get(b.id())).startsWith("invalid pack " + h);
        assertThat(r.read().get("a").intValue()).isEqualTo(1);
    }

    @Test
    void aDeltaWhoseParentIsMissingWaitsAndAppliesWhenTheParentArrives() {
        MemoryStorage full = new MemoryStorage();
        Replica w = Replica.open(full);
        w.update("{\"a\":1}");
        String first = w.commit("t", "1").orElseThrow();
        w.update("{\"a\":2}");
        String second = w.commit("t", "2").orElseThrow();
        w.update("{\"a\":3}");
        String third = w.commit("t", "3").orElseThrow();

        MemoryStorage partial = new MemoryStorage();
        for (String block : List.of(first, third)) {
            DeltaBlock b = w.block(block);
            b.packs().forEach(p -> partial.write(p + ".pack", full.read(p + ".pack")));
            partial.write(b.key(), b.bytes());
        }
        Replica r = Replica.open(partial);
        assertThat(r.read().get("a").intValue()).isEqualTo(1);
        assertThat(r.invalidBlocks()).containsOnlyKeys(third);
        assertThat(r.invalidBlocks().get(third)).isEqualTo("missing parent " + second);
        assertThat(r.corruptFiles()).isEmpty(); // waiting is not corruption
        assertThat(r.anchors()).containsExactly(first);

        Replica.copyMissing(full, partial);
        assertThat(r.refresh().applied()).containsExactlyInAnyOrder(second, third);
        assertThat(r.read().get("a").intValue()).isEqualTo(3);
        assertThat(r.invalidBlocks()).isEmpty();
    }
}
