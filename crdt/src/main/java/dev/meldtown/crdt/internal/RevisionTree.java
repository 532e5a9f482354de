package dev.meldtown.crdt.internal;

import dev.meldtown.crdt.Revision;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The revisions of one object. Adding is idempotent and commutative, so blocks can be applied in any order.
 * Winner (gen C): the maximum over all revisions, resolved ones lowest. Leaves: not a parent, not resolved.
 */
public final class RevisionTree {
    private final TreeSet<Revision> revisions = new TreeSet<>();
    private final Map<Revision, String> parentText = new HashMap<>();
    private final Set<String> parentsInUse = new HashSet<>();
    // Leaves kept as revisions are added (revisions are never removed), so leaves() does not walk the history.
    private final Map<String, Revision> leafByText = new HashMap<>();
    private final TreeSet<Revision> leaves = new TreeSet<>();

    public RevisionTree copy() {
        RevisionTree t = new RevisionTree();
        t.revisions.addAll(revisions);
        t.parentText.putAll(parentText);
        t.parentsInUse.addAll(parentsInUse);
        t.leafByText.putAll(leafByText);
        t.leaves.addAll(leaves);
        return t;
    }

    /** Adds a revision with the text of its parent (null for a creation). Returns false if already present. */
    public boolean add(Revision r, String parent) {
        if (!revisions.add(r)) {
            return false;
        }
        if (parent != null) {
            parentText.put(r, parent);
            if (parentsInUse.add(parent)) {
                Revision former = leafByText.remove(parent);
                if (former != null) {
                    leaves.remove(former);
                }
            }
        }
        String text = r.toString();
        if (!r.isResolved() && !parentsInUse.contains(text)) {
            leafByText.put(text, r);
            leaves.add(r);
        }
        return true;
    }

    public boolean contains(Revision r) {
        return revisions.contains(r);
    }

    /** The revision with this exact text, or null (also for malformed text). */
    public Revision get(String text) {
        try {
            Revision r = Revision.parse(text);
            return revisions.contains(r) ? r : null;
        } catch (dev.meldtown.crdt.InvalidRevisionException e) {
            return null;
        }
    }

    /** The parent revision if it is in the tree (otherwise the parent is a "ghost" and this returns null). */
    public Revision parent(Revision r) {
        String p = parentText.get(r);
        if (p == null) {
            return null;
        }
        Revision pr = Revision.parse(p);
        return revisions.contains(pr) ? pr : null;
    }

    public Revision winner() {
        return revisions.isEmpty() ? null : revisions.last();
    }

    /** Leaves in ascending revision order. */
    public List<Revision> leaves() {
        return new ArrayList<>(leaves);
    }

    public boolean inConflict() {
        return leaves.size() > 1;
    }

    public int size() {
        return revisions.size();
    }

    public List<Revision> all() {
        return new ArrayList<>(revisions);
    }
}
