package dev.meldtown.crdt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * {@link Replica#meld(ReplicaStorage, java.util.Collection)} and {@link Replica#meld(Replica, java.util.Collection)}:
 * named blocks travel once (read from the source, written here, applied from those bytes), in meld order, and the
 * outcome is the same as a full meld.
 */
class MeldTest {

    /** Memory storage that records every call, as {@code op key}. */
    static final class Recording implements ReplicaStorage {
        final MemoryStorage inner = new MemoryStorage();
        final List<String> calls = new CopyOnWriteArrayList<>();

        @Override
        public byte[] read(String key) {
            calls.add("read " + key);
            return inner.read(key);
        }

        @Override
        public boolean write(String key, byte[] data) {
            calls.add("write " + key);
            return inner.write(key, data);
        }

        @Override
        public List<String> list(String suffix) {
            calls.add("list " + suffix);
            return inner.list(suffix);
        }

        List<String> take() {
            List<String> out = new ArrayList<>(calls);
            calls.clear();
            return out;
        }
    }

    private static final String BRACES = "{\"title\":\"a\",\"items\u266D\":[{\"_id\":\"x\",\"s\":\"}\"}]}"; // its pack needs an index

    @Example
    void namedBlocksAreReadOnceFromTheSourceWrittenInMeldOrderAndNeverReadBack() {
        Recording source = new Recording();
        Replica writer = Replica.open(source);
        writer.update("{\"n\":1}");
        String b1 = writer.commit("alice", null).orElseThrow();
        Recording target = new Recording();
        Replica hub = Replica.open(target);
        hub.meld(source, List.of(b1));
        writer.update(BRACES);
        String b2 = writer.commit("alice", null).orElseThrow();
        String pack = writer.block(b2).packs().get(0);
        source.take();
        target.take();

        MeldResult m = hub.meld(source, List.of(b2));

        assertThat(source.take()).containsExactly("read " + b2 + ".delta", "read " + pack + ".pack", "read " + pack + ".index");
        assertThat(target.take()).as("written in meld order, nothing read back, no listing")
                .containsExactly("write " + pack + ".pack", "write " + pack + ".index", "write " + b2 + ".delta");
        assertThat(m.copied()).containsExactly(pack + ".pack", pack + ".index", b2 + ".delta");
        assertThat(m.listed()).isFalse();
        assertThat(m.bytes()).isEqualTo(source.inner.read(pack + ".pack").length + source.inner.read(pack + ".index").length
                + source.inner.read(b2 + ".delta").length);
        assertThat(m.refresh().applied()).containsExactly(b2);
        assertThat(CanonicalJson.write(hub.read())).isEqualTo(CanonicalJson.write(writer.read()));
        // the stored files are the source's, byte for byte
        for (String key : m.copied()) {
            assertThat(target.inner.read(key)).isEqualTo(source.inner.read(key));
        }
        // an applied block costs nothing
        assertThat(hub.meld(source, List.of(b2)).copied()).isEmpty();
        assertThat(source.take()).isEmpty();
        assertThat(target.take()).isEmpty();
    }

    @Example
    void fromALoadedReplicaWhatItHoldsInMemoryIsNotReadAgain() {
        Recording hubStore = new Recording();
        Replica hub = Replica.open(hubStore);
        hub.update(BRACES);
        String b1 = hub.commit("alice", null).orElseThrow();
        String pack = hub.block(b1).packs().get(0);
        Recording otherStore = new Recording();
        Replica other = Replica.open(otherStore);
        hubStore.take();
        otherStore.take();

        MeldResult m = other.meld(hub, List.of(b1));

        assertThat(hubStore.take()).as("the hub's storage is not read").isEmpty();
        assertThat(otherStore.take()).containsExactly("write " + pack + ".pack", "write " + pack + ".index", "write " + b1 + ".delta");
        assertThat(m.copied()).containsExactly(pack + ".pack", pack + ".index", b1 + ".delta");
        for (String key : m.copied()) {
            assertThat(otherStore.inner.read(key)).isEqualTo(hubStore.inner.read(key));
        }
        assertThat(CanonicalJson.write(other.read())).isEqualTo(CanonicalJson.write(hub.read()));
    }

    @Example
    void aParentTheTargetHasNotSeenMakesItAFullMeld() {
        MemoryStorage source = new MemoryStorage();
        Replica writer = Replica.open(source);
        writer.update("{\"n\":1}");
        String b1 = writer.commit("alice", null).orElseThrow();
        writer.update("{\"n\":2}");
        String b2 = writer.commit("alice", null).orElseThrow();
        Recording target = new Recording();
        Replica hub = Replica.open(target);

        MeldResult m = hub.meld(source, List.of(b2));

        assertThat(m.listed()).isTrue();
        assertThat(m.refresh().applied()).containsExactlyInAnyOrder(b1, b2);
        assertThat(CanonicalJson.write(hub.read())).isEqualTo("{\"_id\":\"\u221A\",\"n\":2}");
        assertThat(target.calls).noneMatch(c -> c.startsWith("read ")).as("nothing it wrote is read back");
    }

    @Example
    void aFullMeldAlsoLoadsBlocksTheTargetStoredButHadNotSeen() {
        MemoryStorage a = new MemoryStorage();
        Replica ra = Replica.open(a);
        ra.update("{\"a\":1}");
        ra.commit("alice", null);
        MemoryStorage b = new MemoryStorage();
        Replica rb = Replica.open(b);
        Replica writerB = Replica.open(b);
        writerB.update("{\"b\":1}");
        String unseen = writerB.commit("bob", null).orElseThrow();

        MeldResult m = rb.meld(a);

        assertThat(m.refresh().applied()).contains(unseen);
        assertThat(rb.appliedBlocks()).containsAll(ra.appliedBlocks()).contains(unseen);
    }

    @Example
    void aMissingBlockOrPackIsAnErrorAndNothingIsWritten() {
        MemoryStorage source = new MemoryStorage();
        Replica writer = Replica.open(source);
        writer.update("{\"n\":1}");
        String b1 = writer.commit("alice", null).orElseThrow();
        String pack = writer.block(b1).packs().get(0);
        Recording target = new Recording();
        Replica hub = Replica.open(target);
        target.take();

        assertThatThrownBy(() -> hub.meld(source, List.of("f".repeat(64)))).isInstanceOf(MissingKeyException.class);
        MemoryStorage packless = new MemoryStorage();
        packless.write(b1 + ".delta", source.read(b1 + ".delta"));
        assertThatThrownBy(() -> hub.meld(packless, List.of(b1))).isInstanceOf(MissingKeyException.class).hasMessageContaining(pack);
        assertThat(target.take()).noneMatch(c -> c.startsWith("write "));
        assertThat(hub.appliedBlocks()).isEmpty();
    }

    @Example
    void aReplicaNeverMeldsIntoItself() {
        Recording store = new Recording();
        Replica r = Replica.open(store);
        r.update("{\"n\":1}");
        String b1 = r.commit("alice", null).orElseThrow();
        store.take();
        assertThat(r.meld(r, List.of(b1)).copied()).isEmpty();
        assertThat(r.meld(store, List.of(b1)).copied()).isEmpty();
        assertThat(r.meld(store).copied()).isEmpty();
        assertThat(store.take()).isEmpty();
    }

    @Example
    void aCorruptDeltaTravelsAsItIsAndIsReportedNotApplied() {
        MemoryStorage source = new MemoryStorage();
        String id = "0".repeat(64);
        source.write(id + ".delta", "{\"not\":\"a block\"}".getBytes(StandardCharsets.UTF_8));
        Replica hub = Replica.open(new MemoryStorage());
        MeldResult m = hub.meld(source, List.of(id));
        assertThat(m.copied()).containsExactly(id + ".delta");
        assertThat(m.refresh().invalid()).containsKey(id);
        assertThat(hub.appliedBlocks()).isEmpty();
    }

    /**
     * Random histories over three writers, melded block by block into a hub (from storage) and from the hub into a
     * second replica (from the loaded hub), as the merge-service does: each equals a full meld of the same files,
     * and their stored files are the writers' own.
     */
    @Property(tries = 60)
    void meldingNamedBlocksEqualsAFullMeld(@ForAll long seed, @ForAll @IntRange(min = 1, max = 25) int steps) {
        Random rnd = new Random(seed);
        List<MemoryStorage> stores = List.of(new MemoryStorage(), new MemoryStorage(), new MemoryStorage());
        List<Replica> writers = new ArrayList<>();
        stores.forEach(s -> writers.add(Replica.open(s)));
        MemoryStorage hubStore = new MemoryStorage();
        Replica hub = Replica.open(hubStore);
        MemoryStorage copyStore = new MemoryStorage();
        Replica copy = Replica.open(copyStore);
        MemoryStorage mirrorStore = new MemoryStorage(); // never loaded: fed by copyInto, as the merge-service's fan-out
        java.util.Set<String> mirrorHas = new java.util.HashSet<>();
        for (int step = 0; step < steps; step++) {
            int k = rnd.nextInt(3);
            Replica w = writers.get(k);
            if (rnd.nextInt(4) == 0) {
                w.meld(hubStore);
            }
            CheckpointPropertiesTest.edit(rnd, w, k, step);
            List<String> fresh = new ArrayList<>(stores.get(k).list(".delta"));
            fresh.removeAll(hubStore.list(".delta"));
            hub.meld(stores.get(k), fresh);
            copy.meld(hub, hub.anchors());
            MeldResult m = hub.copyInto(mirrorStore, hub.anchors(), mirrorHas::contains);
            mirrorHas.addAll(m.copied());
            hub.anchors().forEach(a -> mirrorHas.add(a + ".delta"));
        }
        Replica full = Replica.open(new MemoryStorage());
        stores.forEach(full::meld);
        assertThat(CanonicalJson.write(hub.read())).isEqualTo(CanonicalJson.write(full.read()));
        assertThat(hub.anchors()).isEqualTo(full.anchors());
        assertThat(CanonicalJson.write(copy.read())).isEqualTo(CanonicalJson.write(full.read()));
        assertThat(copy.appliedBlocks()).isEqualTo(full.appliedBlocks());
        assertThat(new java.util.TreeSet<>(copyStore.list(""))).isEqualTo(new java.util.TreeSet<>(full.storage().list("")));
        for (String key : copyStore.list("")) {
            assertThat(copyStore.read(key)).isEqualTo(full.storage().read(key));
        }
        assertThat(CanonicalJson.write(Replica.open(copyStore).read())).isEqualTo(CanonicalJson.write(full.read()));
        assertThat(new java.util.TreeSet<>(mirrorStore.list(""))).isEqualTo(new java.util.TreeSet<>(full.storage().list("")));
        Replica mirror = Replica.open(mirrorStore);
        assertThat(CanonicalJson.write(mirror.read())).isEqualTo(CanonicalJson.write(full.read()));
        assertThat(mirror.invalidBlocks()).isEmpty();
    }

    /**
     * {@link Replica#copyInto}: a fan-out into a storage nobody loaded writes the blocks it lacks from the source's
     * memory, packs first; the walk back from the tips stops at a delta the target is known to hold.
     */
    @Example
    void copyIntoWritesWhatTheTargetLacksFromMemoryPacksFirstAndStopsAtWhatItHolds() {
        Recording hubStore = new Recording();
        Replica hub = Replica.open(hubStore);
        hub.update(BRACES);
        String b1 = hub.commit("alice", null).orElseThrow();
        hub.update("{\"title\":\"b\"}");
        String b2 = hub.commit("alice", null).orElseThrow();
        String pack2 = hub.block(b2).packs().get(0);
        Recording target = new Recording();
        Replica.copyMissing(hubStore.inner, target.inner); // the target holds b1 (and b2, which it is not told of)
        Recording fresh = new Recording(); // holds b1's files only
        for (String key : hubStore.inner.list("")) {
            if (!key.startsWith(b2) && !key.startsWith(pack2)) {
                fresh.inner.write(key, hubStore.inner.read(key));
            }
        }
        hubStore.take();

        MeldResult m = hub.copyInto(fresh, hub.anchors(), k -> k.equals(b1 + ".delta"));

        assertThat(hubStore.take()).as("the hub's storage is not read").isEmpty();
        assertThat(fresh.take()).as("b1 is known there: its pack is not offered again").containsExactly("write " + pack2 + ".pack", "write " + b2 + ".delta");
        assertThat(m.copied()).containsExactly(pack2 + ".pack", b2 + ".delta");
        assertThat(CanonicalJson.write(Replica.open(fresh.inner).read())).isEqualTo(CanonicalJson.write(hub.read()));

        assertThat(hub.copyInto(target, hub.anchors(), k -> false).copied()).as("write-once: what is there is not counted").isEmpty();
        assertThat(hub.copyInto(hubStore, hub.anchors(), k -> false).copied()).as("never into itself").isEmpty();
        assertThatThrownBy(() -> hub.copyInto(new MemoryStorage(), List.of("0".repeat(64)), k -> false))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
