package dev.meldtown.crdt.internal;

import dev.meldtown.crdt.CanonicalJson;
import dev.meldtown.crdt.DeltaBlock;
import dev.meldtown.crdt.Revision;
import dev.meldtown.crdt.UnknownObjectException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The current state of a replica (compare automerge's {@code current_state}): the revision tree of every object,
 * by uuid. Kept in a hash map (a look-up or insert costs no string comparisons: a tree map's were a fifth of a
 * 100k-item create); the listings that promise UTF-8 order sort on demand.
 *
 * <p>Invariants: a tree holds exactly the revisions of the applied blocks that name its object, plus the ones
 * staged since the last commit (which the staging records); trees are only ever added to, never shrunk, so
 * applying blocks is idempotent and commutative.
 */
public final class DocumentState {
    private final HashMap<String, RevisionTree> trees = new HashMap<>();

    /** The state of exactly {@code blocks}. */
    public static DocumentState of(Iterable<DeltaBlock> blocks) {
        DocumentState s = new DocumentState();
        blocks.forEach(s::apply);
        return s;
    }

    /** Adds the revisions of a block. */
    public void apply(DeltaBlock b) {
        for (DeltaBlock.Change c : b.changes()) {
            trees.computeIfAbsent(c.uuid(), k -> new RevisionTree()).add(c.revision(), c.parent());
        }
    }

    /** The tree of an object, or null. */
    public RevisionTree get(String uuid) {
        return trees.get(uuid);
    }

    /** The tree of an object, created empty if it is new. */
    public RevisionTree getOrCreate(String uuid) {
        return trees.computeIfAbsent(uuid, k -> new RevisionTree());
    }

    /** The tree of an object; unknown objects raise {@link UnknownObjectException}. */
    public RevisionTree tree(String uuid) {
        RevisionTree t = trees.get(uuid);
        if (t == null) {
            throw new UnknownObjectException("Invalid object " + uuid);
        }
        return t;
    }

    public boolean contains(String uuid) {
        return trees.containsKey(uuid);
    }

    /** Ids of all tracked objects (descriptors included), sorted by UTF-8 order (a copy). */
    public List<String> ids() {
        List<String> ids = new ArrayList<>(trees.keySet());
        ids.sort(CanonicalJson.KEY_ORDER);
        return ids;
    }

    /** Ids of all tracked objects, in no particular order (a copy: the caller may change the state meanwhile). */
    public List<String> unorderedIds() {
        return new ArrayList<>(trees.keySet());
    }

    /** The winner, then each parent revision down to the first (as libmelda-tools' {@code history}). */
    public List<Revision> history(String uuid) {
        RevisionTree t = tree(uuid);
        List<Revision> out = new ArrayList<>();
        Set<Revision> seen = new HashSet<>();
        for (Revision r = t.winner(); r != null && seen.add(r); r = t.parent(r)) {
            out.add(r);
        }
        return out;
    }

    /** Objects with more than one leaf, by uuid (a copy). */
    public Map<String, RevisionTree> inConflict() {
        Map<String, RevisionTree> out = new TreeMap<>(CanonicalJson.KEY_ORDER);
        trees.forEach((id, t) -> {
            if (t.inConflict()) {
                out.put(id, t);
            }
        });
        return out;
    }
}
