package dev.meldtown.crdt.internal;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meldtown.crdt.CanonicalJson;
import dev.meldtown.crdt.Conflict;
import dev.meldtown.crdt.InvalidRevisionException;
import dev.meldtown.crdt.Resolution;
import dev.meldtown.crdt.Revision;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Conflicts and their resolution: objects whose revision tree has several leaves, and staging the revisions that
 * resolve them (the chosen content on top of the winner, an {@code r} tombstone on every other leaf).
 *
 * <p>Holds no collections: conflicts are a view of the {@link DocumentState}, and resolutions are staged through
 * {@link Staging}, so they are committed like any other change.
 */
public final class Conflicts {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final DocumentState state;
    private final DocumentReader reader;
    private final Staging staging;

    public Conflicts(DocumentState state, DocumentReader reader, Staging staging) {
        this.state = state;
        this.reader = reader;
        this.staging = staging;
    }

    /** Objects with more than one leaf, sorted by uuid. */
    public List<Conflict> list() {
        List<Conflict> out = new ArrayList<>();
        for (Map.Entry<String, RevisionTree> e : state.inConflict().entrySet()) {
            RevisionTree t = e.getValue();
            Revision w = t.winner();
            List<Conflict.Leaf> others = new ArrayList<>();
            List<Revision> leaves = new ArrayList<>(t.leaves());
            leaves.sort(Comparator.comparing(Revision::toString, CanonicalJson.KEY_ORDER));
            for (Revision l : leaves) {
                if (!l.equals(w)) {
                    others.add(new Conflict.Leaf(l, reader.content(l, e.getKey())));
                }
            }
            out.add(new Conflict(e.getKey(), new Conflict.Leaf(w, reader.content(w, e.getKey())), others));
        }
        return out;
    }

    /**
     * Resolves one object to a chosen leaf.
     *
     * @throws dev.meldtown.crdt.UnknownObjectException if the object is unknown
     * @throws InvalidRevisionException if the object has no conflict or {@code revision} is not one of its leaves
     */
    public Resolution resolve(String uuid, String revision) {
        RevisionTree tree = state.tree(uuid);
        if (!tree.inConflict()) {
            throw new InvalidRevisionException(uuid + " has no conflicts");
        }
        Revision chosen = tree.get(revision);
        if (chosen == null || !tree.leaves().contains(chosen)) {
            throw new InvalidRevisionException(revision + " not a valid winner");
        }
        return resolveAs(uuid, chosen);
    }

    /** Resolves an array descriptor with several leaves to its merged order (on top of the winner), if it has them. */
    public void resolveDescriptor(String id) {
        RevisionTree tree = state.get(id);
        if (tree != null && tree.inConflict()) {
            List<Revision> leaves = tree.leaves();
            Revision w = tree.winner();
            resolveAs(id, leaves.contains(w) ? w : leaves.get(leaves.size() - 1));
        }
    }

    /** Resolves every array descriptor with several leaves (before a commit, as Melda does minus its deadlock). */
    public void resolveDescriptors() {
        for (String id : state.unorderedIds()) { // each is resolved on its own: the order makes no difference
            if (id.startsWith("^")) {
                resolveDescriptor(id);
            }
        }
    }

    private Resolution resolveAs(String uuid, Revision chosen) {
        RevisionTree tree = state.get(uuid);
        Revision previous = tree.winner();
        if (chosen.isDeleted()) {
            staging.delete(uuid);
        } else if (uuid.startsWith("^")) {
            ObjectNode c = NODES.objectNode();
            ArrayNode a = c.putArray("A");
            reader.mergedOrder(tree, chosen, new HashMap<>()).forEach(a::add);
            staging.updateObject(uuid, c);
        } else {
            staging.updateObject(uuid, reader.content(chosen, uuid));
        }
        Revision w = tree.winner();
        for (Revision l : tree.leaves()) {
            if (!l.equals(w)) {
                staging.stage(uuid, tree, Revisions.childOf(l, Revision.RESOLVED), l.toString());
            }
        }
        return new Resolution(uuid, w, previous);
    }
}
