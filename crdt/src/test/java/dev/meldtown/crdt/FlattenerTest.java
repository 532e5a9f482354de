package dev.meldtown.crdt;

import static dev.meldtown.crdt.TestDocs.canon;
import static dev.meldtown.crdt.TestDocs.obj;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meldtown.crdt.internal.Flattener;
import dev.meldtown.crdt.internal.Hashes;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Spec §2.2–§2.5 worked examples. */
class FlattenerTest {
    @Test
    void readmeDocumentFlattensToThreeObjects() {
        Map<String, ObjectNode> m = Flattener.flatten(obj("{'software':'MeldaDo','version':'1.0.0','items\u266D':"
                + "[{'_id':'alice_todo_01','title':'Buy milk','description':'Go to the grocery store'}]}"));
        assertThat(m).containsOnlyKeys("\u221A", GoldenHashesTest.ITEMS_DESCRIPTOR, "alice_todo_01");
        assertThat(canon(m.get("\u221A"))).isEqualTo("{\"items\u266D\":\"" + GoldenHashesTest.ITEMS_DESCRIPTOR
                + "\",\"software\":\"MeldaDo\",\"version\":\"1.0.0\"}");
        assertThat(canon(m.get(GoldenHashesTest.ITEMS_DESCRIPTOR))).isEqualTo("{\"A\":[\"alice_todo_01\"]}");
        assertThat(canon(m.get("alice_todo_01"))).isEqualTo("{\"description\":\"Go to the grocery store\",\"title\":\"Buy milk\"}");
    }

    @Test
    void escapingAndReferences() {
        Map<String, ObjectNode> m = Flattener.flatten(obj("{'s\u266D':'hi','n\u266D':3,'plain':{'x\u266D':'raw'},'o\u266D':{'k':1}}"));
        ObjectNode root = m.get("\u221A");
        assertThat(root.get("s\u266D").textValue()).isEqualTo("!hi");
        assertThat(root.get("n\u266D").intValue()).isEqualTo(3);
        assertThat(canon(root.get("plain"))).isEqualTo("{\"x\u266D\":\"raw\"}"); // non-♭ values are verbatim
        String autoId = Hashes.sha256Hex("\u221Ao\u266D");
        assertThat(root.get("o\u266D").textValue()).isEqualTo(autoId);
        assertThat(canon(m.get(autoId))).isEqualTo("{\"k\":1}");
    }

    @Test
    void nestedDescriptorPathIncludesAncestors() {
        Map<String, ObjectNode> m = Flattener.flatten(obj("{'items\u266D':[{'_id':'x','sub\u266D':[]}]}"));
        assertThat(m).containsKey("^" + Hashes.sha256Hex("\u221Aitems\u266Dxsub\u266D"));
    }

    @Test
    void rootIdFromDocument() {
        assertThat(Flattener.flatten(obj("{'_id':'r1','a':1}"))).containsOnlyKeys("r1");
    }

    @Test
    void badIdsAreRejected() {
        assertThatThrownBy(() -> Flattener.flatten(obj("{'_id':'^x'}"))).isInstanceOf(InvalidDocumentException.class);
        assertThatThrownBy(() -> Flattener.flatten(obj("{'_id':5}"))).isInstanceOf(InvalidDocumentException.class);
    }

    @Test
    void unflattenRoundTrip() {
        ObjectNode doc = obj("{'_id':'\u221A','s\u266D':'hi','items\u266D':[{'_id':'a','v':1},{'_id':'b','o\u266D':{'_id':'c','z':null}}]}");
        Map<String, ObjectNode> m = Flattener.flatten(doc);
        ObjectNode back = Flattener.unflatten("\u221A", new Flattener.Source() {
            @Override
            public ObjectNode live(String id) {
                return m.get(id);
            }

            @Override
            public boolean known(String id) {
                return m.containsKey(id);
            }
        });
        assertThat(canon(back)).isEqualTo(canon(doc));
    }
}
