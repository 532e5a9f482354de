package dev.meldtown.crdt.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meldtown.crdt.CanonicalJson;
import dev.meldtown.crdt.MemoryStorage;
import dev.meldtown.crdt.Replica;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/**
 * A big document's objects are hashed on several threads before they are staged in order: the files written must
 * be exactly those of staging them one by one, for a new replica and for an edit (changed, unchanged, new and
 * deleted objects).
 */
class StagingParallelTest {
    @Property(tries = 25)
    void parallelPreparationWritesTheSameFiles(@ForAll @IntRange(min = 1, max = 400) int items, @ForAll @IntRange(min = 1, max = 7) int every,
            @ForAll long seed) {
        assertThat(run(1, items, every, seed)).isEqualTo(run(Integer.MAX_VALUE, items, every, seed));
    }

    @Test
    void anObjectThatCannotBeWrittenFailsAsItDoesInOrder() {
        int before = Staging.parallelFrom;
        Staging.parallelFrom = 1;
        try {
            Replica r = Replica.open(new MemoryStorage());
            ObjectNode doc = CanonicalJson.nodes().objectNode();
            ArrayNode a = doc.putArray("items\u266D");
            for (int i = 0; i < 20; i++) {
                a.addObject().put("_id", "i" + i).put("t", i == 13 ? "lone \uD800 surrogate" : "fine");
            }
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> r.update(doc))
                    .isInstanceOf(dev.meldtown.crdt.InvalidDocumentException.class).hasMessageContaining("lone UTF-16 surrogate");
        } finally {
            Staging.parallelFrom = before;
        }
    }

    private static Map<String, String> run(int parallelFrom, int items, int every, long seed) {
        int before = Staging.parallelFrom;
        Staging.parallelFrom = parallelFrom;
        try {
            MemoryStorage m = new MemoryStorage();
            Replica r = Replica.open(m);
            r.update(doc(items, every, seed, false));
            r.commit((ObjectNode) null);
            Replica again = Replica.open(m);
            again.update(doc(items, every, seed, true));
            again.commit((ObjectNode) null);
            Map<String, String> files = new TreeMap<>();
            List<String> keys = new ArrayList<>(m.list(""));
            for (String k : keys) {
                files.put(k, Arrays.toString(m.read(k)));
            }
            return files;
        } finally {
            Staging.parallelFrom = before;
        }
    }

    // items with a nested object each; the edit changes every `every`-th, drops one in 11 and adds a few
    private static ObjectNode doc(int items, int every, long seed, boolean edited) {
        ObjectNode doc = CanonicalJson.nodes().objectNode();
        doc.put("title", "t" + seed);
        ArrayNode a = doc.putArray("items\u266D");
        for (int i = 0; i < items; i++) {
            if (edited && i % 11 == 5) {
                continue;
            }
            ObjectNode o = a.addObject().put("_id", "i" + i).put("n", i).put("t", (edited && i % every == 0 ? "changed " : "") + (seed ^ i));
            o.putObject("meta").put("_id", "m" + i).put("k", i % 3 == 0 ? "" : "x");
            if (i % 17 == 0) {
                o.putObject("empty");
            }
        }
        if (edited) {
            for (int i = 0; i < 3; i++) {
                a.addObject().put("_id", "new" + i).put("n", -i);
            }
        }
        return doc;
    }
}
