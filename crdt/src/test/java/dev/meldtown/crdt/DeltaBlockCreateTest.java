package dev.meldtown.crdt;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meldtown.crdt.internal.DeltaBlocks;
import dev.meldtown.crdt.internal.Hashes;
import dev.meldtown.crdt.internal.Revisions;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * A block the library makes when it commits is built from its parts, not parsed back from its bytes: it must be
 * exactly the block a reader of those bytes gets. Also: sorting digests as numbers gives string order.
 */
class DeltaBlockCreateTest {
    @Provide
    Arbitrary<List<DeltaBlock.Change>> changes() {
        Arbitrary<String> uuid = Arbitraries.oneOf(Arbitraries.strings().alpha().numeric().ofMinLength(1).ofMaxLength(12),
                Arbitraries.of("√", "^items", "\uD83D\uDE00x", "\u266D", "e\u0301", "q\"u\\o\n\u0001te"));
        Arbitrary<String> digest = Arbitraries.strings().withChars("0123456789abcdef").ofLength(64);
        Arbitrary<String> parent = Arbitraries.oneOf(Arbitraries.just(null),
                digest.map(Revisions::creation).map(Revision::toString),
                Combinators.combine(digest, digest).as((a, b) -> Revisions.childOf(Revisions.creation(a), b).toString()));
        return Combinators.combine(uuid, parent, digest).as(DeltaBlock.Change::new).list().ofMaxSize(5);
    }

    @Provide
    Arbitrary<ObjectNode> infos() {
        Arbitrary<ObjectNode> some = Combinators.combine(Arbitraries.strings().ofMaxLength(6),
                Arbitraries.of(1, 1.0, 1.5e300, -0.0, 12345678901234567890.0, Long.MAX_VALUE),
                Arbitraries.strings().ofMaxLength(8)).as((k, n, v) -> {
                    ObjectNode o = CanonicalJson.nodes().objectNode();
                    o.put("author", v);
                    if (n instanceof Integer i) {
                        o.put("n" + k, i);
                    } else if (n instanceof Long l) {
                        o.put("n" + k, l);
                    } else {
                        o.put("n" + k, (Double) n);
                    }
                    o.putObject("nested").putArray("a").add(v).add(true).addNull();
                    return o;
                });
        return Arbitraries.oneOf(Arbitraries.just(null), some);
    }

    @Property(tries = 300)
    void aCreatedBlockEqualsTheBlockParsedFromItsBytes(@ForAll("changes") List<DeltaBlock.Change> changes, @ForAll("infos") ObjectNode info,
            @ForAll("digests") List<String> packs, @ForAll("digests") List<String> parents) {
        DeltaBlock made = DeltaBlocks.create(changes, info, packs, parents);
        DeltaBlock read = DeltaBlock.parse(made.id(), made.bytes());
        assertThat(made.id()).isEqualTo(Hashes.sha256Hex(made.bytes()));
        assertThat(new String(made.bytes(), StandardCharsets.UTF_8)).isEqualTo(CanonicalJson.write(asTree(changes, info, packs, parents)));
        assertThat(made.changes()).isEqualTo(read.changes());
        assertThat(made.packs()).isEqualTo(read.packs());
        assertThat(made.parents()).isEqualTo(read.parents()).isSorted();
        assertThat(made.info()).isEqualTo(read.info());
        assertThat(made.isOrigin()).isEqualTo(read.isOrigin());
        assertThat(made.toString()).isEqualTo(read.toString());
    }

    // the block as a JSON tree, written by the canonical writer: what create wrote before it wrote the text itself
    private static ObjectNode asTree(List<DeltaBlock.Change> changes, ObjectNode info, List<String> packs, List<String> parents) {
        ObjectNode o = CanonicalJson.nodes().objectNode();
        var c = o.putArray("c");
        for (DeltaBlock.Change ch : changes) {
            var r = c.addArray().add(ch.uuid());
            if (ch.parent() != null) {
                r.add(ch.parent());
            }
            r.add(ch.digest());
        }
        if (info != null) {
            o.set("i", info);
        }
        if (!packs.isEmpty()) {
            packs.forEach(o.putArray("k")::add);
        }
        if (!parents.isEmpty()) {
            new java.util.TreeSet<>(parents).forEach(o.putArray("p")::add);
        }
        return o;
    }

    @Provide
    Arbitrary<List<String>> digests() {
        // few distinct first digits, so that digests often share their first 7 and are compared as strings
        Arbitrary<String> d = Combinators.combine(Arbitraries.strings().withChars("0f").ofLength(7),
                Arbitraries.strings().withChars("0123456789abcdef").ofLength(57)).as(String::concat);
        return d.list().ofMaxSize(6);
    }

    @Property(tries = 500)
    void digestsSortAsStringsDo(@ForAll("digests") List<String> digests, @ForAll("odd") List<String> others) {
        List<String> expected = new ArrayList<>(digests);
        expected.sort(null);
        assertThat(Hashes.sortedDigests(digests)).isEqualTo(expected);
        // any other string among them (upper case, shorter): still string order
        List<String> mixed = new ArrayList<>(digests);
        mixed.addAll(others);
        List<String> expectedMixed = mixed.stream().sorted().collect(Collectors.toList());
        assertThat(Hashes.sortedDigests(mixed)).isEqualTo(expectedMixed);
    }

    @Provide
    Arbitrary<List<String>> odd() {
        return Arbitraries.oneOf(Arbitraries.strings().withChars("0123456789abcdefABCDEF").ofMaxLength(64),
                Arbitraries.strings().withChars("0123456789abcdefg").ofLength(64),
                Arbitraries.just(new String("é".repeat(64).getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8))).list().ofMaxSize(2);
    }
}
