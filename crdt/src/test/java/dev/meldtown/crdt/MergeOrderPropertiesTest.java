package dev.meldtown.crdt;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.meldtown.crdt.internal.Patches;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.CharRange;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.api.Test;

/** The linear-time merged order (spec §4.5) against the reference algorithm it replaced (indexOf, insert by index). */
class MergeOrderPropertiesTest {
    /** Melda's merge_arrays as first written here: quadratic, kept as the oracle. */
    static void referenceMerge(List<JsonNode> m, List<JsonNode> n) {
        int pivotM = m.size();
        int ins = 0;
        for (int i = 0; i < m.size(); i++) {
            int at = n.indexOf(m.get(i));
            if (at >= 0) {
                pivotM = i;
                ins = at;
                break;
            }
        }
        for (int i = 0; i < m.size(); i++) {
            JsonNode e = m.get(i);
            int at = n.indexOf(e);
            if (at >= 0) {
                ins = at;
            } else if (i < pivotM) {
                n.add(ins, e);
                pivotM = i;
            } else {
                ins++;
                n.add(ins, e);
            }
        }
    }

    private static List<JsonNode> nodes(List<String> s) {
        List<JsonNode> out = new ArrayList<>();
        s.forEach(x -> out.add(TextNode.valueOf(x)));
        return out;
    }

    /** Few distinct one-letter elements: many common elements and duplicates on both sides. */
    @Property(tries = 2000)
    void sameResultAsTheReference(@ForAll @Size(max = 12) List<@StringLength(1) @CharRange(from = 'a', to = 'h') String> m,
                                  @ForAll @Size(max = 12) List<@StringLength(1) @CharRange(from = 'a', to = 'h') String> n) {
        List<JsonNode> expected = nodes(n);
        referenceMerge(nodes(m), expected);
        List<JsonNode> actual = nodes(n);
        Patches.merge(nodes(m), actual);
        assertThat(actual).isEqualTo(expected);
    }

    @Test
    void mergingTwo100kOrdersIsLinear() {
        List<JsonNode> a = new ArrayList<>();
        List<JsonNode> b = new ArrayList<>();
        for (int i = 0; i < 100_000; i++) {
            a.add(TextNode.valueOf("x" + i));
            b.add(TextNode.valueOf("x" + i));
        }
        a.add(TextNode.valueOf("new-a"));
        b.add(50_000, TextNode.valueOf("new-b"));
        long t0 = System.nanoTime();
        Patches.merge(a, b);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertThat(b).hasSize(100_002);
        assertThat(b.get(50_000).textValue()).isEqualTo("new-b");
        assertThat(b.get(100_001).textValue()).isEqualTo("new-a");
        assertThat(ms).as("merge of two 100k orders took %d ms (the quadratic version: minutes)", ms).isLessThan(2_000);
    }
}
