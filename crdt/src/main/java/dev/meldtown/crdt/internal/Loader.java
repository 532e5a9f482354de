package dev.meldtown.crdt.internal;

import dev.meldtown.crdt.DeltaBlock;
import dev.meldtown.crdt.MissingKeyException;
import dev.meldtown.crdt.RefreshReport;
import dev.meldtown.crdt.ReplicaStorage;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * Loading from storage (compare automerge's {@code storage/load}): reads the blocks a replica has not seen into the
 * {@link BlockGraph}, their packs into the {@link ObjectStore}, and applies every block that became valid to the
 * {@link DocumentState}, from storage or from the bytes a {@link Meld} moved.
 *
 * <p>Holds no collections: it keeps the three in step. A block is applied (graph), its packs' objects published
 * (store) and its revisions added (state) together, so an applied block's objects are always readable.
 */
public final class Loader {
    private final ReplicaStorage storage;
    private final BlockGraph graph;
    private final ObjectStore store;
    private final DocumentState state;

    public Loader(ReplicaStorage storage, BlockGraph graph, ObjectStore store, DocumentState state) {
        this.storage = storage;
        this.graph = graph;
        this.store = store;
        this.state = state;
    }

    /** Lists the storage, loads new blocks and applies what became valid. */
    public RefreshReport refresh() {
        List<String> unknown = new ArrayList<>();
        for (String id : storage.list(".delta")) {
            if (!graph.known(id)) {
                unknown.add(id);
            }
        }
        loadBlocks(unknown);
        Predicate<String> hasIndex = new HashSet<>(storage.list(".index"))::contains;
        loadPacks(hasIndex);
        return applyLoaded(hasIndex);
    }

    /** Reads the blocks in one {@link ReplicaStorage#readAll} (concurrent where the storage is remote). */
    private void loadBlocks(Collection<String> ids) {
        List<String> keys = new ArrayList<>(ids.size());
        ids.forEach(id -> keys.add(id + ".delta"));
        Map<String, byte[]> read = storage.readAll(keys);
        for (String id : ids) {
            byte[] bytes = read.get(id + ".delta");
            // listed, then gone: the storage's own error records it as corrupt, as a single read would
            graph.load(id, bytes != null ? () -> bytes : () -> storage.read(id + ".delta"));
        }
    }

    /**
     * Reads the packs (and listed indexes) that pending blocks name and the store lacks, in one
     * {@link ReplicaStorage#readAll}, so validation finds them loaded; a pack absent here is reported missing by
     * validation as before.
     */
    private void loadPacks(Predicate<String> hasIndex) {
        Set<String> packs = new TreeSet<>();
        for (String id : graph.pending()) {
            DeltaBlock b = graph.get(id);
            if (b != null) {
                for (String p : b.packs()) {
                    if (store.file(p, ".pack") == null) {
                        packs.add(p);
                    }
                }
            }
        }
        if (packs.isEmpty()) {
            return;
        }
        List<String> keys = new ArrayList<>();
        for (String p : packs) {
            keys.add(p + ".pack");
            if (hasIndex.test(p)) {
                keys.add(p + ".index");
            }
        }
        Map<String, byte[]> read = storage.readAll(keys);
        for (String p : packs) {
            byte[] pack = read.get(p + ".pack");
            if (pack != null) {
                store.offer(p, pack, read.get(p + ".index"));
            }
        }
    }

    /** Loads the named blocks without listing; falls back to {@link #refresh()} when blocks were stored unseen. */
    public RefreshReport refresh(Collection<String> added) {
        Set<String> named = new TreeSet<>(added);
        for (String id : named) {
            if (graph.known(id)) {
                continue;
            }
            byte[] bytes;
            try {
                bytes = storage.read(id + ".delta");
            } catch (MissingKeyException e) {
                return refresh();
            }
            byte[] read = bytes;
            graph.load(id, () -> read);
        }
        for (String id : named) {
            DeltaBlock b = graph.get(id);
            if (b != null && !graph.isApplied(id)) {
                for (String p : b.parents()) {
                    if (!graph.isApplied(p) && !named.contains(p)) {
                        return refresh();
                    }
                }
            }
        }
        return applyLoaded(null);
    }

    /**
     * Applies every loaded block that became valid. {@code hasIndex} says which packs have an {@code .index}
     * (from a listing); null probes for it.
     */
    private RefreshReport applyLoaded(Predicate<String> hasIndex) {
        Map<String, String> reasons = new TreeMap<>(graph.corrupt());
        Map<String, Boolean> valid = new HashMap<>();
        List<String> candidates = new ArrayList<>();
        for (String id : graph.pending()) {
            if (graph.isValid(id, valid, reasons, p -> store.loadPack(p, hasIndex))) {
                candidates.add(id);
            }
        }
        for (String id : candidates) { // block-id order; application is commutative anyway
            DeltaBlock b = graph.get(id);
            // objects become visible only with a valid block, so new commits never lean on an unusable pack
            store.publish(b);
            state.apply(b);
            graph.markApplied(b);
        }
        Map<String, String> invalid = new TreeMap<>();
        for (Map.Entry<String, String> e : reasons.entrySet()) {
            if (!graph.isApplied(e.getKey())) {
                invalid.put(e.getKey(), e.getValue());
            }
        }
        graph.recordPending(invalid);
        return new RefreshReport(candidates, invalid);
    }

    /**
     * Loads blocks whose bytes a meld holds in hand (nothing it wrote is read back) and the stored blocks
     * {@code unseen} names (listed, not yet read), then applies every block that became valid.
     *
     * @param hasIndex which packs not in memory have an {@code .index} (from a listing); null probes for it
     */
    public RefreshReport load(Map<String, byte[]> moved, Collection<String> unseen, Predicate<String> hasIndex) {
        moved.forEach((id, bytes) -> {
            if (!graph.known(id)) {
                graph.load(id, () -> bytes);
            }
        });
        List<String> unknown = new ArrayList<>();
        for (String id : unseen) {
            if (!graph.known(id)) {
                unknown.add(id);
            }
        }
        loadBlocks(unknown);
        if (hasIndex != null) {
            loadPacks(hasIndex);
        }
        return applyLoaded(hasIndex);
    }
}
