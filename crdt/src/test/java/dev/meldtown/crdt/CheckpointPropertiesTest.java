package dev.meldtown.crdt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * A read from a checkpoint (the materialized state) plus the blocks stored after it equals a read by full replay, for
 * every verb the state answers (read, conflicts, objects, value at winners and leaves); whatever it cannot decide it
 * hands back to a full replay instead of answering wrong.
 */
class CheckpointPropertiesTest {
    private static final JsonNodeFactory N = JsonNodeFactory.instance;

    /** Random histories over three replicas (edits, concurrent edits, melds in any direction); replica 0 is the hub. */
    @Property(tries = 80)
    void checkpointPlusNewerBlocksEqualsFullReplay(@ForAll long seed, @ForAll @IntRange(min = 0, max = 24) int checkpointAt,
                                                   @ForAll @IntRange(min = 1, max = 24) int steps) {
        Random rnd = new Random(seed);
        List<MemoryStorage> stores = List.of(new MemoryStorage(), new MemoryStorage(), new MemoryStorage());
        List<Replica> replicas = new ArrayList<>();
        stores.forEach(s -> replicas.add(Replica.open(s)));
        replicas.get(0).update(PropertiesTest.randomDoc(rnd, "base_"));
        replicas.get(0).commit("alice", "base");
        Checkpoint checkpoint = null;
        Set<String> storedAtCheckpoint = null;
        int total = Math.max(steps, checkpointAt + 1);
        for (int step = 0; step < total; step++) {
            if (step == checkpointAt) {
                checkpoint = Checkpoint.parse(Checkpoint.of(Replica.open(stores.get(0))).bytes());
                storedAtCheckpoint = new HashSet<>(stores.get(0).list(".delta"));
            }
            int k = rnd.nextInt(3);
            if (rnd.nextInt(3) == 0) {
                int from = rnd.nextInt(3);
                replicas.get(k).meld(stores.get(from));
            } else {
                edit(rnd, replicas.get(k), k, step);
            }
        }
        replicas.get(0).meld(stores.get(rnd.nextInt(3)));

        Replica full = Replica.open(stores.get(0));
        List<String> newer = new ArrayList<>(stores.get(0).list(".delta"));
        newer.removeAll(storedAtCheckpoint);
        Set<String> older = storedAtCheckpoint;
        // the new blocks only, as a service's block log lists them
        assertMatchesOrAsksForReplay(checkpoint.state(), stores.get(0), newer, older::contains, full);
        // every stored block, covered ones included (a log listed from too early a position): never a wrong answer
        assertMatchesOrAsksForReplay(checkpoint.state(), stores.get(0), stores.get(0).list(".delta"), older::contains, full);
    }

    /**
     * Edits by one writer only (no concurrency): every new revision is a child of a current leaf, so the state never
     * needs the history to place a revision. It may still need an older pack: Melda stores a content already stored by
     * reference only, so a block that brings back an old content (a descriptor patch equal to an older one, say) names
     * an object of an older pack; that block is handed to a full replay, as the property above allows.
     */
    @Property(tries = 40)
    void aSingleWritersHistoryNeverNeedsTheHistoryToPlaceARevision(@ForAll long seed, @ForAll @IntRange(min = 1, max = 20) int before,
                                                @ForAll @IntRange(min = 1, max = 20) int after) {
        Random rnd = new Random(seed);
        MemoryStorage s = new MemoryStorage();
        Replica r = Replica.open(s);
        r.update(PropertiesTest.randomDoc(rnd, "base_"));
        r.commit("alice", "base");
        for (int i = 0; i < before; i++) {
            freshEdit(rnd, r, i);
        }
        Checkpoint cp = Checkpoint.parse(Checkpoint.of(r).bytes());
        Set<String> older = new HashSet<>(s.list(".delta"));
        for (int i = 0; i < after; i++) {
            freshEdit(rnd, r, before + i);
        }
        List<String> newer = new ArrayList<>(s.list(".delta"));
        newer.removeAll(older);
        ReplicaState state = cp.state();
        ReplicaState.CatchUp c = state.catchUp(s, newer, older::contains);
        if (c.needsReplay()) {
            assertThat(c.replayBecause()).contains("stored in none of its packs");
            return;
        }
        assertThat(c.applied()).containsExactlyInAnyOrderElementsOf(newer);
        assertThat(CanonicalJson.write(state.read())).isEqualTo(CanonicalJson.write(Replica.open(s).read()));
    }

    static void assertMatchesOrAsksForReplay(ReplicaState state, MemoryStorage storage, List<String> candidates,
                                             java.util.function.Predicate<String> older, Replica full) {
        ReplicaState.CatchUp c = state.catchUp(storage, candidates, older);
        if (c.needsReplay()) {
            assertThatThrownBy(state::read).isInstanceOf(IllegalStateException.class);
            return;
        }
        assertThat(c.pending()).isEmpty();
        assertThat(CanonicalJson.write(state.read())).isEqualTo(CanonicalJson.write(full.read()));
        assertThat(state.conflicts()).isEqualTo(full.conflicts());
        assertThat(state.objectIds()).isEqualTo(full.objectIds());
        for (String id : full.objectIds()) {
            assertThat(state.value(id, null)).contains(full.value(id));
            for (Revision leaf : full.leaves(id)) {
                assertThat(state.value(id, leaf.toString())).contains(full.value(id, leaf.toString()));
            }
            // a superseded revision is the history's: the state says so instead of answering
            for (Revision old : full.history(id)) {
                if (!full.leaves(id).contains(old) && !old.equals(full.winner(id))) {
                    assertThat(state.value(id, old.toString())).isEmpty();
                }
            }
        }
    }

    /** A random edit whose every changed object gets a content never stored before. */
    static void freshEdit(Random rnd, Replica r, int step) {
        ObjectNode doc = r.read();
        if (!doc.has("items\u266D")) {
            doc.putArray("items\u266D");
        }
        ArrayNode items = (ArrayNode) doc.get("items\u266D");
        // no removals: a removal's patch ("d" at a position) may repeat an older one, whose object is in an older pack
        if (items.size() > 0 && rnd.nextBoolean()) {
            ((ObjectNode) items.get(rnd.nextInt(items.size()))).put("v", "edited at " + step);
        }
        items.insert(rnd.nextInt(items.size() + 1), N.objectNode().put("_id", "s" + step).put("v", step));
        doc.put("title", "at " + step);
        r.update(doc);
        r.commit("alice", "step " + step);
    }

    /** A random edit of a ♭ array of items (and sometimes the title), committed by user k. */
    static void edit(Random rnd, Replica r, int k, int step) {
        ObjectNode doc = r.read();
        if (!doc.has("items\u266D")) {
            doc.putArray("items\u266D");
        }
        ArrayNode items = (ArrayNode) doc.get("items\u266D");
        if (items.size() > 0 && rnd.nextBoolean()) {
            items.remove(rnd.nextInt(items.size()));
        }
        if (items.size() > 0 && rnd.nextBoolean()) {
            ((ObjectNode) items.get(rnd.nextInt(items.size()))).put("v", rnd.nextInt(1000));
        }
        items.insert(rnd.nextInt(items.size() + 1), N.objectNode().put("_id", "r" + k + "_" + step).put("v", step));
        if (rnd.nextBoolean()) {
            doc.put("title", "by " + k + " at " + step);
        }
        r.update(doc);
        r.commit("user" + k, "step " + step);
    }

    @Example
    void aCheckpointIsNamedByItsAnchorsAndHoldsNoHistory() {
        MemoryStorage s = new MemoryStorage();
        Replica r = Replica.open(s);
        r.update("{\"title\":\"x\",\"n\":1.5}");
        r.commit("alice", null);
        for (int i = 0; i < 30; i++) {
            r.update("{\"title\":\"x" + i + "\",\"n\":1.5}");
            r.commit("alice", null);
        }
        r.update("{\"title\":\"x\",\"n\":1.5}");
        r.commit("alice", null);
        Checkpoint cp = Checkpoint.parse(Checkpoint.of(r, "0001", List.of("b")).bytes());
        assertThat(cp.anchors()).isEqualTo(r.anchors());
        assertThat(cp.name()).isEqualTo(Checkpoint.nameOf(List.of(r.anchors().get(0)))).hasSize(64);
        assertThat(cp.position()).isEqualTo("0001");
        assertThat(cp.seen()).containsExactly("b");
        assertThat(CanonicalJson.write(cp.document())).isEqualTo("{\"_id\":\"\u221A\",\"n\":1.5,\"title\":\"x\"}");
        // 32 blocks, one object: the checkpoint holds one revision and its content, no block ids, no packs
        String text = new String(cp.bytes(), StandardCharsets.UTF_8);
        for (String block : s.list(".delta")) {
            assertThat(text).doesNotContain(block.equals(r.anchors().get(0)) ? "no such text" : block);
        }
        assertThat(cp.bytes().length).isLessThan(600);
    }

    @Example
    void aBlockCreatingAnExistingObjectAgainIsLeftToAFullReplay() {
        MemoryStorage a = new MemoryStorage();
        Replica ra = Replica.open(a);
        ra.update("{\"title\":\"a\"}");
        ra.commit("alice", null);
        ra.update("{\"title\":\"a2\"}");
        ra.commit("alice", null);
        Checkpoint cp = Checkpoint.of(ra);
        MemoryStorage b = new MemoryStorage();
        Replica rb = Replica.open(b);
        rb.update("{\"title\":\"b\"}");
        rb.commit("bob", null);
        List<String> fromB = b.list(".delta");
        ra.meld(b);
        ReplicaState state = cp.state();
        ReplicaState.CatchUp c = state.catchUp(a, fromB, id -> true);
        assertThat(c.needsReplay()).isTrue();
        assertThat(c.replayBecause()).contains("creates").contains("again");
    }

    @Example
    void aBlockWhoseParentIsNotStoredStaysPending() {
        MemoryStorage a = new MemoryStorage();
        Replica ra = Replica.open(a);
        ra.update("{\"title\":\"a\"}");
        ra.commit("alice", null);
        Checkpoint cp = Checkpoint.of(ra);
        ra.update("{\"title\":\"a2\"}");
        String mid = ra.commit("alice", null).orElseThrow();
        ra.update("{\"title\":\"a3\"}");
        String last = ra.commit("alice", null).orElseThrow();
        ReplicaState state = cp.state();
        // the middle block is neither named nor older than the checkpoint
        ReplicaState.CatchUp c = state.catchUp(a, List.of(last), id -> false);
        assertThat(c.applied()).isEmpty();
        assertThat(c.pending()).containsEntry(last, "missing parent " + mid);
        assertThat(state.read().get("title").asText()).isEqualTo("a");
    }

    @Example
    void outdatedAndForeignBytesAreRefused() {
        Replica r = Replica.open(new MemoryStorage());
        r.update("{\"title\":\"a\"}");
        assertThatThrownBy(() -> Checkpoint.of(r)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> Checkpoint.parse("{\"format\":\"meldtown-checkpoint/1\",\"blocks\":{}}".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(Checkpoint.OutdatedException.class);
        assertThatThrownBy(() -> Checkpoint.parse("{\"format\":\"other\"}".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(CorruptDataException.class);
        assertThatThrownBy(() -> Checkpoint.parse("nope".getBytes(StandardCharsets.UTF_8))).isInstanceOf(CorruptDataException.class);
    }

    @Example
    void aCheckpointWhoseContentsWereDamagedIsRefused() throws Exception {
        Replica r = Replica.open(new MemoryStorage());
        r.update("{\"title\":\"a\",\"items\":[{\"n\":1}]}");
        r.commit("alice", null);
        byte[] good = Checkpoint.of(r).bytes();
        assertThat(Checkpoint.parse(good).document()).isEqualTo(r.read());
        ObjectMapper json = new ObjectMapper();

        ObjectNode altered = (ObjectNode) json.readTree(good);
        ObjectNode contents = (ObjectNode) altered.get("contents");
        String digest = contents.fieldNames().next();
        contents.put(digest, contents.get(digest).asText() + " ");
        assertThatThrownBy(() -> Checkpoint.parse(json.writeValueAsBytes(altered)))
                .isInstanceOf(CorruptDataException.class).hasMessageContaining(digest).hasMessageContaining("SHA-256");

        ObjectNode notBase64 = (ObjectNode) json.readTree(good);
        ((ObjectNode) notBase64.get("contents64")).put(digest, "%%%");
        assertThatThrownBy(() -> Checkpoint.parse(json.writeValueAsBytes(notBase64)))
                .isInstanceOf(CorruptDataException.class).hasMessageContaining("base64");
    }
}
