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
 *
 * <p>Most objects only ever have one revision, so a tree holds its first revision in two fields and builds its
 * collections when a second one arrives (by adding the first one to them again): a 100k-item document used to
 * allocate five collections per object, and its young collections took a quarter of a create.
 */
public final class RevisionTree {
    // The only revision while there is one; null once the collections below hold them (then `full` is true).
    private Revision single;
    private String singleParent;
    private boolean full;
    private TreeSet<Revision> revisions;
    private Map<Revision, String> parentText;
    private Set<String> parentsInUse;
    // Leaves kept as revisions are added (revisions are never removed), so leaves() does not walk the history.
    private Map<String, Revision> leafByText;
    private TreeSet<Revision> leaves;

    public RevisionTree copy() {
        RevisionTree t = new RevisionTree();
        t.single = single;
        t.singleParent = singleParent;
        if (full) {
            t.inflate();
            t.revisions.addAll(revisions);
            t.parentText.putAll(parentText);
            t.parentsInUse.addAll(parentsInUse);
            t.leafByText.putAll(leafByText);
            t.leaves.addAll(leaves);
        }
        return t;
    }

    /** Adds a revision with the text of its parent (null for a creation). Returns false if already present. */
    public boolean add(Revision r, String parent) {
        if (!full) {
            if (single == null) {
                single = r;
                singleParent = parent;
                return true;
            }
            if (single.equals(r)) {
                return false;
            }
            Revision first = single;
            String firstParent = singleParent;
            inflate();
            addToCollections(first, firstParent);
        }
        return addToCollections(r, parent);
    }

    private void inflate() {
        full = true;
        single = null;
        singleParent = null;
        revisions = new TreeSet<>();
        parentText = new HashMap<>();
        parentsInUse = new HashSet<>();
        leafByText = new HashMap<>();
        leaves = new TreeSet<>();
    }

    private boolean addToCollections(Revision r, String parent) {
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
        return full ? revisions.contains(r) : r.equals(single);
    }

    /** The revision with this exact text, or null (also for malformed text). */
    public Revision get(String text) {
        try {
            Revision r = Revision.parse(text);
            return contains(r) ? r : null;
        } catch (dev.meldtown.crdt.InvalidRevisionException e) {
            return null;
        }
    }

    /** The parent revision if it is in the tree (otherwise the parent is a "ghost" and this returns null). */
    public Revision parent(Revision r) {
        String p = full ? parentText.get(r) : r.equals(single) ? singleParent : null;
        if (p == null) {
            return null;
        }
        Revision pr = Revision.parse(p);
        return contains(pr) ? pr : null;
    }

    public Revision winner() {
        return full ? revisions.last() : single;
    }

    /** Leaves in ascending revision order. */
    public List<Revision> leaves() {
        if (full) {
            return new ArrayList<>(leaves);
        }
        List<Revision> out = new ArrayList<>(1);
        if (single != null && singleIsLeaf()) {
            out.add(single);
        }
        return out;
    }

    // A lone revision is a leaf unless it is resolved or names itself as its parent (a crafted block).
    private boolean singleIsLeaf() {
        return !single.isResolved() && !(singleParent != null && singleParent.equals(single.toString()));
    }

    public boolean inConflict() {
        return full && leaves.size() > 1;
    }

    public int size() {
        return full ? revisions.size() : single == null ? 0 : 1;
    }

    public List<Revision> all() {
        if (full) {
            return new ArrayList<>(revisions);
        }
        List<Revision> out = new ArrayList<>(1);
        if (single != null) {
            out.add(single);
        }
        return out;
    }
}
