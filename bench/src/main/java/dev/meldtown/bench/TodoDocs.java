package dev.meldtown.bench;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meldtown.crdt.CanonicalJson;
import dev.meldtown.crdt.DocumentLimits;
import dev.meldtown.crdt.ReplicaStorage;
import dev.meldtown.crdt.Replica;

/**
 * The benchmark's documents: Melda's todo example, {@code {"software":"MeldaDo","items♭":[{"_id","title","done"}...]}},
 * and the edits applied to it. Every edit changes 1% of the items <em>and</em> appends one item, so the ♭ array
 * itself changes: libmelda-tools 0.2.0 panics on an update whose ♭ array is unchanged (spec §8.1).
 */
public final class TodoDocs {
    public static final String ITEMS = "items\u266D";

    private TodoDocs() {
    }

    /** The base document with {@code n} items. */
    public static ObjectNode base(int n) {
        ObjectNode doc = CanonicalJson.nodes().objectNode();
        doc.put("software", "MeldaDo");
        ArrayNode items = doc.putArray(ITEMS);
        for (int i = 0; i < n; i++) {
            items.addObject().put("_id", id(i)).put("title", "Todo number " + i).put("done", i % 3 == 0);
        }
        return doc;
    }

    public static String id(int i) {
        return String.format("item-%07d", i);
    }

    /**
     * Edit A: retitles every item whose index is 0 mod 100 (1%) and appends {@code new-a}. Edit B touches a
     * disjoint 1% (index 50 mod 100, toggling {@code done}) and appends {@code new-b}: A and B diverge without
     * conflicting on an item, but both change the array.
     */
    public static ObjectNode edit(ObjectNode base, char which) {
        ObjectNode doc = base.deepCopy();
        ArrayNode items = (ArrayNode) doc.get(ITEMS);
        int offset = which == 'a' ? 0 : 50;
        for (int i = offset; i < items.size(); i += 100) {
            ObjectNode item = (ObjectNode) items.get(i);
            if (which == 'a') {
                item.put("title", item.get("title").textValue() + " (edited)");
            } else {
                item.put("done", !item.get("done").booleanValue());
            }
        }
        items.addObject().put("_id", "new-" + which).put("title", "Added by " + which).put("done", false);
        return doc;
    }

    /** Number of items an edit changes or adds: 1% plus the appended one. */
    public static int editedItems(int n, char which) {
        int offset = which == 'a' ? 0 : 50;
        return (n - offset + 99) / 100 + 1;
    }

    /**
     * Limits for preparing the inputs: {@link DocumentLimits#LOCAL}, what the CLI writes to a local replica
     * ({@link DocumentLimits#DEFAULT}, the hub's, refuses the 100k documents: about 6 MB, 100,001 items after an edit).
     */
    public static final DocumentLimits LIMITS = DocumentLimits.LOCAL;

    /** Writes the base document as the storage's first commit. */
    public static Replica commitBase(ReplicaStorage storage, int n) {
        Replica r = Replica.open(storage).limits(LIMITS);
        r.update(base(n));
        r.commit((ObjectNode) null);
        return r;
    }
}
