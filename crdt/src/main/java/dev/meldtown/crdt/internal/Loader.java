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
 * {@link DocumentState}; also the file copy of a meld.
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
        for (String id : storage.list(".delta")) {
            if (!graph.known(id)) {
                graph.load(id, () -> storage.read(id + ".delta"));
            }
        }
        return applyLoaded(new HashSet<>(storage.list(".index"))::contains);
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

    /** Copies every pack, index and delta of {@code source} missing from {@code target} (packs first). */
    public static List<String> copyMissing(ReplicaStorage source, ReplicaStorage target) {
        Set<String> have = new HashSet<>(target.list(""));
        List<String> copied = new ArrayList<>();
        for (String suffix : List.of(".pack", ".index", ".delta")) {
            for (String k : source.list(suffix)) {
                String key = k + suffix;
                if (!have.contains(key) && target.write(key, source.read(key))) {
                    copied.add(key);
                }
            }
        }
        return copied;
    }
}
