package dev.meldtown.crdt;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/** {@link Replica#refresh(java.util.Collection)}: loads named blocks without listing, and lists when it must. */
class TargetedRefreshTest {

    /** Memory storage that counts listings. */
    static final class Counting implements ReplicaStorage {
        final MemoryStorage inner = new MemoryStorage();
        final AtomicInteger lists = new AtomicInteger();

        @Override
        public byte[] read(String key) {
            return inner.read(key);
        }

        @Override
        public boolean write(String key, byte[] data) {
            return inner.write(key, data);
        }

        @Override
        public List<String> list(String suffix) {
            lists.incrementAndGet();
            return inner.list(suffix);
        }
    }

    /** Copies the named blocks and their packs (and indexes), packs first, as the merge-service's meld of tips does. */
    private static void copyBlocks(ReplicaStorage from, ReplicaStorage to, List<String> ids) {
        for (String id : ids) {
            DeltaBlock b = DeltaBlock.parse(id, from.read(id + ".delta"));
            for (String p : b.packs()) {
                if (from.exists(p + ".index")) {
                    to.write(p + ".index", from.read(p + ".index"));
                }
                to.write(p + ".pack", from.read(p + ".pack"));
            }
        }
        for (String id : ids) {
            to.write(id + ".delta", from.read(id + ".delta"));
        }
    }

    @Example
    void newBlocksWhoseParentsAreAppliedLoadWithoutAListing() {
        MemoryStorage writer = new MemoryStorage();
        Replica w = Replica.open(writer);
        w.update("{\"title\":\"a\",\"items\u266D\":[{\"_id\":\"x\",\"v\":1}]}");
        String first = w.commit("alice", null).orElseThrow();
        Counting hubStore = new Counting();
        copyBlocks(writer, hubStore, List.of(first));
        Replica hub = Replica.open(hubStore);
        int listed = hubStore.lists.get();

        List<String> added = new ArrayList<>();
        for (int i = 2; i <= 4; i++) {
            w.update("{\"title\":\"a\",\"items\u266D\":[{\"_id\":\"x\",\"v\":" + i + "},{\"_id\":\"y" + i + "\",\"s\":\"{\\\"}\"}]}");
            added.add(w.commit("alice", null).orElseThrow());
        }
        copyBlocks(writer, hubStore, added);
        RefreshReport report = hub.refresh(added);

        assertThat(hubStore.lists.get()).as("no listing").isEqualTo(listed);
        assertThat(report.applied()).containsExactlyInAnyOrderElementsOf(added);
        assertThat(hub.anchors()).isEqualTo(w.anchors());
        assertThat(CanonicalJson.write(hub.read())).isEqualTo(CanonicalJson.write(w.read()));
        // naming applied blocks again is a no-op, still without a listing
        assertThat(hub.refresh(added).applied()).isEmpty();
        assertThat(hub.refresh(List.of()).applied()).isEmpty();
        assertThat(hubStore.lists.get()).isEqualTo(listed);
    }

    @Example
    void aBlockWhoseParentThisReplicaHasNotSeenFallsBackToAListing() {
        MemoryStorage writer = new MemoryStorage();
        Replica w = Replica.open(writer);
        w.update("{\"n\":1}");
        String b1 = w.commit("alice", null).orElseThrow();
        Counting hubStore = new Counting();
        Replica hub = Replica.open(hubStore);
        w.update("{\"n\":2}");
        String b2 = w.commit("alice", null).orElseThrow();
        // b1 arrived unannounced (say, a client wrote straight to the bucket); only b2 is named
        copyBlocks(writer, hubStore, List.of(b1, b2));
        int listed = hubStore.lists.get();
        RefreshReport report = hub.refresh(List.of(b2));

        assertThat(hubStore.lists.get()).as("fell back to listing").isGreaterThan(listed);
        assertThat(report.applied()).containsExactlyInAnyOrder(b1, b2);
        assertThat(CanonicalJson.write(hub.read())).isEqualTo("{\"_id\":\"\u221A\",\"n\":2}");
    }

    @Example
    void aNamedBlockThatIsNotStoredFallsBackToAListingInsteadOfFailing() {
        MemoryStorage writer = new MemoryStorage();
        Replica w = Replica.open(writer);
        w.update("{\"n\":1}");
        String b1 = w.commit("alice", null).orElseThrow();
        Counting hubStore = new Counting();
        Replica hub = Replica.open(hubStore);
        int listed = hubStore.lists.get();
        RefreshReport report = hub.refresh(List.of(b1));
        assertThat(report.applied()).isEmpty();
        assertThat(hubStore.lists.get()).isGreaterThan(listed);
        assertThat(hub.appliedBlocks()).isEmpty();
    }

    @Example
    void aNamedCorruptBlockIsReportedAndNotApplied() {
        Counting hubStore = new Counting();
        Replica hub = Replica.open(hubStore);
        String id = "0".repeat(64);
        hubStore.write(id + ".delta", "{\"not\":\"a block\"}".getBytes(StandardCharsets.UTF_8));
        RefreshReport report = hub.refresh(List.of(id));
        assertThat(report.applied()).isEmpty();
        assertThat(report.invalid()).containsKey(id);
        assertThat(hub.appliedBlocks()).isEmpty();
    }

    /**
     * Random histories over three writers melded into a hub block by block, as the merge-service does: the hub is
     * refreshed only with the blocks it is told about (sometimes late, several at once, out of order), yet once it
     * has been told about every stored block it equals a full replay of its storage; before that it never applies
     * a block that is not stored and always applies what it was told about.
     */
    @Property(tries = 80)
    void refreshingWithTheCopiedBlocksEqualsAFullReplay(@ForAll long seed, @ForAll @IntRange(min = 1, max = 30) int steps) {
        Random rnd = new Random(seed);
        List<MemoryStorage> stores = List.of(new MemoryStorage(), new MemoryStorage(), new MemoryStorage());
        List<Replica> writers = new ArrayList<>();
        stores.forEach(s -> writers.add(Replica.open(s)));
        MemoryStorage hubStore = new MemoryStorage();
        Replica hub = Replica.open(hubStore);
        List<String> pending = new ArrayList<>();
        Set<String> told = new HashSet<>();
        for (int step = 0; step < steps; step++) {
            int k = rnd.nextInt(3);
            Replica w = writers.get(k);
            if (rnd.nextInt(4) == 0) {
                w.meld(hubStore); // the writer pulls what the others did
            }
            CheckpointPropertiesTest.edit(rnd, w, k, step);
            List<String> fresh = new ArrayList<>(stores.get(k).list(".delta"));
            fresh.removeAll(hubStore.list(".delta"));
            copyBlocks(stores.get(k), hubStore, fresh);
            pending.addAll(fresh);
            if (rnd.nextInt(5) != 0) {
                java.util.Collections.shuffle(pending, rnd);
                List<String> named = new ArrayList<>(pending.subList(0, 1 + rnd.nextInt(pending.size())));
                pending.removeAll(named);
                told.addAll(named);
                hub.refresh(named);
            }
            Replica full = Replica.open(hubStore);
            assertThat(full.appliedBlocks()).containsAll(hub.appliedBlocks()).containsAll(told);
            assertThat(hub.appliedBlocks()).containsAll(told);
            if (pending.isEmpty()) {
                assertThat(hub.appliedBlocks()).isEqualTo(full.appliedBlocks());
                assertThat(CanonicalJson.write(hub.read())).isEqualTo(CanonicalJson.write(full.read()));
                assertThat(hub.anchors()).isEqualTo(full.anchors());
            }
        }
        hub.refresh(pending);
        Replica full = Replica.open(hubStore);
        assertThat(hub.appliedBlocks()).isEqualTo(full.appliedBlocks());
        assertThat(CanonicalJson.write(hub.read())).isEqualTo(CanonicalJson.write(full.read()));
        assertThat(hub.conflicts()).isEqualTo(full.conflicts());
    }
}
