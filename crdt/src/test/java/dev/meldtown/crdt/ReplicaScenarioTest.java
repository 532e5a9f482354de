package dev.meldtown.crdt;

import static dev.meldtown.crdt.GoldenHashesTest.BUY_MILK;
import static dev.meldtown.crdt.GoldenHashesTest.EMPTY_A;
import static dev.meldtown.crdt.GoldenHashesTest.INSERT_ALICE_01;
import static dev.meldtown.crdt.GoldenHashesTest.ITEMS_DESCRIPTOR;
import static dev.meldtown.crdt.GoldenHashesTest.ORIGIN_BLOCK;
import static dev.meldtown.crdt.TestDocs.canon;
import static dev.meldtown.crdt.TestDocs.obj;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.meldtown.crdt.internal.Pack;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The README scenario in gen C (spec §1.4, §4.5, §6): Alice and Bob diverge on a todo list and meld. */
class ReplicaScenarioTest {
    static final String V1 = "{'software':'MeldaDo','version':'1.0.0','items\u266D':[]}";
    static final String MILK = "{'_id':'alice_todo_01','title':'Buy milk','description':'Go to the grocery store'}";

    static Replica aliceWithMilk(ReplicaStorage s) {
        Replica alice = Replica.open(s);
        alice.update(obj(V1));
        assertThat(alice.commit("Alice", "First commit")).contains(ORIGIN_BLOCK);
        alice.update(obj("{'software':'MeldaDo','version':'1.0.0','items\u266D':[" + MILK + "]}"));
        alice.commit("Alice", "Add buy milk").orElseThrow();
        return alice;
    }

    static List<String> itemIds(ObjectNode doc) {
        List<String> ids = new ArrayList<>();
        doc.get("items\u266D").forEach(n -> ids.add(n.get("_id").textValue()));
        return ids;
    }

    static ObjectNode withItems(ObjectNode doc, String... items) {
        ObjectNode d = doc.deepCopy();
        ArrayNode a = d.putArray("items\u266D");
        for (String i : items) {
            a.add(obj(i));
        }
        return d;
    }

    @Test
    void firstTwoCommitsAreByteExact() {
        MemoryStorage s = new MemoryStorage();
        Replica alice = aliceWithMilk(s);
        String second = alice.anchors().get(0);
        String delta = new String(s.read(second + ".delta"), StandardCharsets.UTF_8);
        Pack pack = Pack.build(List.of(("{\"description\":\"Go to the grocery store\",\"title\":\"Buy milk\"}").getBytes(StandardCharsets.UTF_8),
                ("{\"a\":[[\"i\",0,[\"alice_todo_01\"]]]}").getBytes(StandardCharsets.UTF_8)));
        assertThat(delta).isEqualTo("{\"c\":[[\"" + ITEMS_DESCRIPTOR + "\",\"1-" + EMPTY_A + "\",\"" + INSERT_ALICE_01
                + "\"],[\"alice_todo_01\",\"" + BUY_MILK + "\"]],\"i\":{\"author\":\"Alice\",\"description\":\"Add buy milk\"},\"k\":[\""
                + pack.hash() + "\"],\"p\":[\"" + ORIGIN_BLOCK + "\"]}");
        assertThat(s.read(pack.hash() + ".pack")).isEqualTo(pack.bytes());
        assertThat(s.list(".delta")).containsExactlyInAnyOrder(ORIGIN_BLOCK, second);
        // a fresh replica over the same storage reads the same document
        assertThat(canon(Replica.open(s).read())).isEqualTo(canon(alice.read()));
        assertThat(canon(alice.read())).isEqualTo("{\"_id\":\"\u221A\",\"items\u266D\":[{\"_id\":\"alice_todo_01\","
                + "\"description\":\"Go to the grocery store\",\"title\":\"Buy milk\"}],\"software\":\"MeldaDo\",\"version\":\"1.0.0\"}");
    }

    /** Builds the diverged pair of the seed and melds them both ways. */
    static Replica[] diverged(ReplicaStorage sa, ReplicaStorage sb) {
        Replica alice = aliceWithMilk(sa);
        Replica bob = Replica.open(sb);
        bob.meld(sa);
        ObjectNode bobDoc = bob.read();
        assertThat(itemIds(bobDoc)).containsExactly("alice_todo_01");
        bob.update(withItems(bobDoc, MILK, "{'_id':'bob_todo_01','title':'Bread'}", "{'_id':'bob_todo_02','title':'Eggs'}"));
        bob.commit("Bob", "Bob's items").orElseThrow();
        alice.update(withItems(alice.read(), "{'_id':'alice_todo_02','title':'Call mom'}"));
        alice.commit("Alice", "Replace milk").orElseThrow();
        alice.meld(sb);
        bob.meld(sa);
        return new Replica[] {alice, bob};
    }

    @Test
    void seedConflictMergedOrderAndResolve() {
        MemoryStorage sa = new MemoryStorage();
        MemoryStorage sb = new MemoryStorage();
        Replica[] r = diverged(sa, sb);
        Replica alice = r[0];
        Replica bob = r[1];
        assertThat(alice.anchors()).hasSize(2).isEqualTo(bob.anchors());

        List<Conflict> conflicts = alice.conflicts();
        assertThat(conflicts).hasSize(1);
        Conflict c = conflicts.get(0);
        assertThat(c.uuid()).isEqualTo(ITEMS_DESCRIPTOR);
        assertThat(c.winner().revision().toString()).startsWith("3-dd6f").endsWith("_dd8b9d1");
        assertThat(canon(c.winner().value())).isEqualTo("{\"a\":[[\"d\",1,0],[\"i\",0,[\"alice_todo_02\"]]]}");
        assertThat(c.others()).hasSize(1);
        assertThat(c.others().get(0).revision().toString()).startsWith("3-4045").endsWith("_dd8b9d1");
        assertThat(canon(c.others().get(0).value())).isEqualTo("{\"a\":[[\"i\",1,[\"bob_todo_01\",\"bob_todo_02\"]]]}");

        assertThat(itemIds(alice.read())).containsExactly("bob_todo_01", "bob_todo_02", "alice_todo_02");
        assertThat(canon(bob.read())).isEqualTo(canon(alice.read()));

        List<Resolution> res = alice.resolveAll();
        assertThat(res).hasSize(1);
        assertThat(res.get(0).previousWinner()).isEqualTo(c.winner().revision());
        assertThat(canon(alice.value(ITEMS_DESCRIPTOR)))
                .isEqualTo("{\"a\":[[\"i\",0,[\"alice_todo_01\",\"bob_todo_01\",\"bob_todo_02\"]]]}");
        String block = alice.commit((ObjectNode) null).orElseThrow();
        assertThat(alice.conflicts()).isEmpty();
        assertThat(alice.anchors()).containsExactly(block);
        assertThat(alice.block(block).parents()).hasSize(2);
        assertThat(itemIds(alice.read())).containsExactly("bob_todo_01", "bob_todo_02", "alice_todo_02");
        bob.meld(sa);
        assertThat(bob.conflicts()).isEmpty();
        assertThat(canon(bob.read())).isEqualTo(canon(alice.read()));
    }

    @Test
    void resolveToChosenLeaf() {
        Replica[] r = diverged(new MemoryStorage(), new MemoryStorage());
        Replica alice = r[0];
        Conflict c = alice.conflicts().get(0);
        String bobLeaf = c.others().get(0).revision().toString();
        Resolution res = alice.resolve(ITEMS_DESCRIPTOR, bobLeaf);
        assertThat(res.winner().index()).isEqualTo(4);
        alice.commit((ObjectNode) null).orElseThrow();
        // Bob's leaf won: merged order at Bob's leaf puts Alice's new item first
        assertThat(itemIds(alice.read())).containsExactly("alice_todo_02", "bob_todo_01", "bob_todo_02");
        assertThatThrownBy(() -> alice.resolve(ITEMS_DESCRIPTOR, bobLeaf)).isInstanceOf(InvalidRevisionException.class)
                .hasMessageContaining("has no conflicts");
    }

    @Test
    void resolveRejectsNonLeaf() {
        Replica alice = diverged(new MemoryStorage(), new MemoryStorage())[0];
        assertThatThrownBy(() -> alice.resolve(ITEMS_DESCRIPTOR, "1-" + EMPTY_A)).isInstanceOf(InvalidRevisionException.class)
                .hasMessageContaining("not a valid winner");
        assertThatThrownBy(() -> alice.resolve("nope", "1-x")).isInstanceOf(UnknownObjectException.class);
    }

    @Test
    void historyValueLogAndReadAt() {
        MemoryStorage s = new MemoryStorage();
        Replica alice = aliceWithMilk(s);
        List<Revision> h = alice.history(ITEMS_DESCRIPTOR);
        assertThat(h).extracting(Revision::toString).containsExactly(
                "2-" + INSERT_ALICE_01 + "_a41bc74", "1-" + EMPTY_A);
        assertThat(canon(alice.value(ITEMS_DESCRIPTOR, "1-" + EMPTY_A))).isEqualTo("{\"A\":[]}");
        assertThatThrownBy(() -> alice.value(ITEMS_DESCRIPTOR, "9-zz_abc")).isInstanceOf(InvalidRevisionException.class);

        List<LogEntry> log = alice.log();
        assertThat(log).hasSize(2);
        assertThat(log.get(0).marker()).isEqualTo('A');
        assertThat(log.get(1).marker()).isEqualTo('O');
        assertThat(log.get(1).block()).isEqualTo(ORIGIN_BLOCK);
        assertThat(log.get(1).format()).isEqualTo("(O) Block: " + ORIGIN_BLOCK + "\n\t\tInformation: {\"author\":\"Alice\",\"description\":\"First commit\"}\n"
                + "\t\tPacks: {\"" + GoldenHashesTest.FIRST_PACK + "\"}\n");
        assertThat(alice.log(ORIGIN_BLOCK)).singleElement().extracting(LogEntry::marker).isEqualTo('A');

        assertThat(canon(alice.readAt(ORIGIN_BLOCK))).isEqualTo(
                "{\"_id\":\"\u221A\",\"items\u266D\":[],\"software\":\"MeldaDo\",\"version\":\"1.0.0\"}");
        assertThatThrownBy(() -> alice.readAt("00")).isInstanceOf(UnknownObjectException.class);
    }

    @Test
    void deleteAndResurrect() {
        Replica r = Replica.open(new MemoryStorage());
        r.update(obj("{'items\u266D':[{'_id':'x','v':1}]}"));
        r.commit((ObjectNode) null);
        r.update(obj("{'items\u266D':[]}"));
        r.commit((ObjectNode) null);
        assertThat(r.winner("x").isDeleted()).isTrue();
        assertThat(canon(r.value("x"))).isEqualTo("{\"_deleted\":true}");
        assertThat(canon(r.read())).isEqualTo("{\"_id\":\"\u221A\",\"items\u266D\":[]}");
        r.update(obj("{'items\u266D':[{'_id':'x','v':1}]}"));
        r.commit((ObjectNode) null);
        assertThat(r.winner("x").index()).isEqualTo(3);
        assertThat(itemIds(r.read())).containsExactly("x");
    }

    @Test
    void nothingToCommit() {
        Replica r = Replica.open(new MemoryStorage());
        assertThat(r.commit((ObjectNode) null)).isEmpty();
        r.update(obj("{'a':1}"));
        r.commit((ObjectNode) null).orElseThrow();
        assertThat(r.update(obj("{'a':1}"))).isFalse();
        assertThat(r.commit((ObjectNode) null)).isEmpty();
        assertThat(r.read()).isEqualTo(obj("{'_id':'\u221A','a':1}"));
    }

    @Test
    void emptyObjectAndNumbersRoundTrip() {
        Replica r = Replica.open(new MemoryStorage());
        r.update(obj("{'o\u266D':{},'f':1.5,'big':18446744073709551615,'s\u266D':'txt'}"));
        r.commit((ObjectNode) null);
        Replica again = Replica.open(r.storage());
        JsonNode d = again.read();
        assertThat(canon(d)).isEqualTo("{\"_id\":\"\u221A\",\"big\":18446744073709551615,\"f\":1.5,\"o\u266D\":{\"_id\":\""
                + dev.meldtown.crdt.internal.Hashes.sha256Hex("\u221Ao\u266D") + "\"},\"s\u266D\":\"txt\"}");
    }

    @Test
    void concurrentCreationOfRootIsAConflict() {
        MemoryStorage a = new MemoryStorage();
        MemoryStorage b = new MemoryStorage();
        Replica ra = Replica.open(a);
        ra.update(obj("{'x':1}"));
        ra.commit((ObjectNode) null);
        Replica rb = Replica.open(b);
        rb.update(obj("{'x':2}"));
        rb.commit((ObjectNode) null);
        ra.meld(b);
        assertThat(ra.conflicts()).singleElement().extracting(Conflict::uuid).isEqualTo("\u221A");
        ra.resolveAll();
        ra.commit((ObjectNode) null);
        assertThat(ra.conflicts()).isEmpty();
        assertThat(ra.anchors()).hasSize(1);
    }
}
