package dev.meldtown.crdt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/** A read from a checkpoint plus the blocks stored after it equals a read by full replay. */
class CheckpointPropertiesTest {
    private static final JsonNodeFactory N = JsonNodeFactory.instance;

    /** Random histories over three replicas (edits, concurrent edits, melds in any direction); replica 0 is the hub. */
    @Property(tries = 60)
    void checkpointPlusNewerBlocksEqualsFullReplay(@ForAll long seed, @ForAll @IntRange(min = 0, max = 24) int checkpointAt,
                                                   @ForAll @IntRange(min = 1, max = 24) int steps) {
        Random rnd = new Random(seed);
        List<MemoryStorage> stores = List.of(new MemoryStorage(), new MemoryStorage(), new MemoryStorage());
        List<Replica> replicas = new ArrayList<>();
        stores.forEach(s -> replicas.add(Replica.open(s)));
        replicas.get(0).update(PropertiesTest.randomDoc(rnd, "base_"));
        replicas.get(0).commit("alice", "base");
        Checkpoint checkpoint = null;
        int total = Math.max(steps, checkpointAt + 1);
        for (int step = 0; step < total; step++) {
            if (step == checkpointAt) {
                checkpoint = Checkpoint.parse(Checkpoint.of(Replica.open(stores.get(0))).bytes());
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
        Replica fromCheckpoint = checkpoint.open(stores.get(0));
        assertThat(CanonicalJson.write(fromCheckpoint.read())).isEqualTo(CanonicalJson.write(full.read()));
        assertThat(CanonicalJson.write(checkpoint.read(stores.get(0)))).isEqualTo(CanonicalJson.write(full.read()));
        assertThat(fromCheckpoint.anchors()).isEqualTo(full.anchors());
        assertThat(fromCheckpoint.appliedBlocks()).isEqualTo(full.appliedBlocks());
        assertThat(fromCheckpoint.conflicts())
                .isEqualTo(full.conflicts());
        assertThat(fromCheckpoint.log()).isEqualTo(full.log());
        // the rebuilt replica keeps working: a resolve committed through it reads back the same by full replay
        fromCheckpoint.resolveAll();
        fromCheckpoint.commit("meldtown-merge", "resolve");
        assertThat(CanonicalJson.write(Replica.open(stores.get(0)).read())).isEqualTo(CanonicalJson.write(fromCheckpoint.read()));
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
    void aCheckpointWithNoNewerBlocksServesItsOwnDocumentAndIsNamedByItsAnchors() {
        MemoryStorage s = new MemoryStorage();
        Replica r = Replica.open(s);
        r.update("{\"title\":\"x\",\"n\":1.5}");
        r.commit("alice", null);
        Checkpoint cp = Checkpoint.parse(Checkpoint.of(r).bytes());
        assertThat(cp.anchors()).isEqualTo(r.anchors());
        assertThat(cp.name()).isEqualTo(Checkpoint.nameOf(List.of(r.anchors().get(0)))).hasSize(64);
        assertThat(cp.blocks()).isEqualTo(r.appliedBlocks());
        assertThat(CanonicalJson.write(cp.read(s))).isEqualTo("{\"_id\":\"\u221A\",\"n\":1.5,\"title\":\"x\"}");
        assertThat(CanonicalJson.write(cp.document())).isEqualTo("{\"_id\":\"\u221A\",\"n\":1.5,\"title\":\"x\"}");
    }

    @Example
    void aCheckpointOfAnotherReplicaFallsBackToFullReplay() {
        MemoryStorage a = new MemoryStorage();
        Replica ra = Replica.open(a);
        ra.update("{\"title\":\"a\"}");
        ra.commit("alice", null);
        MemoryStorage b = new MemoryStorage();
        Replica rb = Replica.open(b);
        rb.update("{\"_id\":\"\u221A\",\"title\":\"b\"}");
        rb.commit("bob", null);
        Checkpoint cp = Checkpoint.of(ra);
        assertThat(CanonicalJson.write(cp.open(b).read())).isEqualTo("{\"_id\":\"\u221A\",\"title\":\"b\"}");
        assertThat(CanonicalJson.write(cp.read(b))).isEqualTo("{\"_id\":\"\u221A\",\"title\":\"b\"}");
    }

    @Example
    void stagedChangesAndForeignBytesAreRefused() {
        Replica r = Replica.open(new MemoryStorage());
        r.update("{\"title\":\"a\"}");
        assertThatThrownBy(() -> Checkpoint.of(r)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> Checkpoint.parse("{\"format\":\"other\"}".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(CorruptDataException.class);
        assertThatThrownBy(() -> Checkpoint.parse("nope".getBytes(StandardCharsets.UTF_8))).isInstanceOf(CorruptDataException.class);
    }
}
