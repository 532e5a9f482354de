package dev.meldtown.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meldtown.crdt.CanonicalJson;
import dev.meldtown.crdt.MemoryStorage;
import dev.meldtown.crdt.Replica;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TodoDocsTest {
    @Test
    void editsChangeOnePercentAndAppendOneItem() {
        ObjectNode base = TodoDocs.base(1000);
        for (char which : new char[] {'a', 'b'}) {
            ArrayNode before = (ArrayNode) base.get(TodoDocs.ITEMS);
            ArrayNode after = (ArrayNode) TodoDocs.edit(base, which).get(TodoDocs.ITEMS);
            assertThat(after.size()).isEqualTo(1001);
            int changed = 0;
            for (int i = 0; i < before.size(); i++) {
                assertThat(after.get(i).get("_id")).isEqualTo(before.get(i).get("_id"));
                if (!after.get(i).equals(before.get(i))) {
                    changed++;
                }
            }
            assertThat(changed + 1).isEqualTo(TodoDocs.editedItems(1000, which)).isEqualTo(11);
        }
        Set<String> ids = new HashSet<>();
        ((ArrayNode) base.get(TodoDocs.ITEMS)).forEach(i -> ids.add(i.get("_id").textValue()));
        assertThat(ids).hasSize(1000);
    }

    @Test
    void divergentEditsMeldIntoBothAppendedItemsAndAllEdits() {
        ObjectNode base = TodoDocs.base(300);
        MemoryStorage a = new MemoryStorage();
        TodoDocs.commitBase(a, 300);
        MemoryStorage b = CrdtBenchmark.copy(a);
        Replica ra = Replica.open(a);
        ra.update(TodoDocs.edit(base, 'a'));
        ra.commit((ObjectNode) null);
        Replica rb = Replica.open(b);
        rb.update(TodoDocs.edit(base, 'b'));
        rb.commit((ObjectNode) null);
        ra.meld(b);
        ArrayNode items = (ArrayNode) ra.read().get(TodoDocs.ITEMS);
        assertThat(items.size()).isEqualTo(302);
        JsonNode item0 = items.get(0);
        assertThat(item0.get("title").textValue()).isEqualTo("Todo number 0 (edited)");
        assertThat(items.get(50).get("done").booleanValue()).isTrue(); // 50 % 3 != 0, toggled by b
        // no item conflicts; only the array descriptor has two leaves, which read merges (spec §4.5)
        assertThat(ra.conflicts()).extracting(c -> c.uuid().startsWith("^")).containsExactly(true);
        assertThat(CanonicalJson.write(Replica.open(a).read())).isEqualTo(CanonicalJson.write(ra.read()));
    }
}
