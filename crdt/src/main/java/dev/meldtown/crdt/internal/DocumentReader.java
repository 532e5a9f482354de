package dev.meldtown.crdt.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meldtown.crdt.CorruptDataException;
import dev.meldtown.crdt.InvalidRevisionException;
import dev.meldtown.crdt.Revision;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads documents and values out of a {@link DocumentState} with the objects of an {@link ObjectStore}: the
 * document at a root, the raw value at a revision, and the order of an array descriptor (its own ancestry, and the
 * merged order over all its leaves, spec {@code rebuild_array_order} and {@code get_merged_order_at_revision}).
 *
 * <p>Holds no state of its own: caches live for one call, so a read never sees stale orders.
 */
public final class DocumentReader {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final ObjectStore store;

    public DocumentReader(ObjectStore store) {
        this.store = store;
    }

    /** The document rooted at the object {@code rootId}. */
    public ObjectNode read(DocumentState state, String rootId) {
        Map<String, List<JsonNode>> orderCache = new HashMap<>();
        return Flattener.unflatten(rootId, new Flattener.Source() {
            @Override
            public ObjectNode live(String id) {
                RevisionTree tree = state.get(id);
                Revision w = tree == null ? null : tree.winner();
                if (w == null || w.isDeleted() || w.isResolved()) {
                    return null;
                }
                if (id.startsWith("^")) {
                    ObjectNode d = NODES.objectNode();
                    ArrayNode a = d.putArray("A");
                    mergedOrder(tree, w, orderCache).forEach(a::add);
                    return d;
                }
                return content(w, id);
            }

            @Override
            public boolean known(String id) {
                return state.contains(id);
            }
        });
    }

    /** The raw stored content of a revision (descriptor patches as stored, deletes as {@code {"_deleted":true}}). */
    public ObjectNode content(Revision r, String where) {
        return store.content(r, where);
    }

    /**
     * The raw stored content of an object at {@code revision} (null: the winner).
     *
     * @throws InvalidRevisionException if the object has no such revision
     */
    public JsonNode value(DocumentState state, String uuid, String revision) {
        RevisionTree t = state.tree(uuid);
        Revision r = revision == null ? t.winner() : t.get(revision);
        if (r == null) {
            throw new InvalidRevisionException("Invalid object " + uuid + " revision " + revision);
        }
        return content(r, uuid);
    }

    /** The order at {@code rev} following only its own ancestry (spec rebuild_array_order). */
    public List<JsonNode> rebuild(RevisionTree tree, Revision rev, Map<String, List<JsonNode>> cache) {
        List<JsonNode> hit = cache.get(rev.toString());
        if (hit != null) {
            return new ArrayList<>(hit);
        }
        Deque<JsonNode> patches = new ArrayDeque<>();
        List<JsonNode> order = new ArrayList<>();
        Revision cur = rev;
        Set<Revision> seen = new HashSet<>();
        while (cur != null && seen.add(cur)) {
            if (cur.isDeleted() || cur.isResolved()) {
                break;
            }
            ObjectNode c = content(cur, "array descriptor");
            JsonNode full = c.get("A");
            if (full != null) {
                if (!full.isArray()) {
                    throw new CorruptDataException("descriptor revision " + cur + " has a non-array \"A\"");
                }
                full.forEach(order::add);
                break;
            }
            JsonNode patch = c.get("a");
            if (patch == null) {
                throw new CorruptDataException("revision " + cur + " is not an array descriptor revision: " + c);
            }
            patches.push(patch);
            cur = tree.parent(cur);
        }
        for (JsonNode p : patches) { // oldest first
            Patches.apply(order, p, "descriptor revision " + rev);
        }
        cache.put(rev.toString(), new ArrayList<>(order));
        return order;
    }

    /** The merged order at {@code base} (spec get_merged_order_at_revision). */
    public List<JsonNode> mergedOrder(RevisionTree tree, Revision base, Map<String, List<JsonNode>> cache) {
        List<Revision> leaves = tree.leaves();
        List<JsonNode> order = rebuild(tree, base, cache);
        if (leaves.size() <= 1) {
            return order;
        }
        for (Revision l : leaves) {
            Patches.merge(rebuild(tree, l, cache), order);
        }
        return order;
    }
}
