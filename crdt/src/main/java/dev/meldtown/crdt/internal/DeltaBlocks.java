package dev.meldtown.crdt.internal;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meldtown.crdt.DeltaBlock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.TreeSet;

/** Makes new delta blocks (only the library does, when it commits). */
public final class DeltaBlocks {
    private DeltaBlocks() {
    }

    /**
     * Builds a block: {@code {"c":[changes],"i":info,"k":[packs],"p":[parents]}} in canonical bytes, parents sorted,
     * empty {@code packs}/{@code parents} and null {@code info} omitted. The block is read back from those bytes, so
     * it is exactly what a reader of the stored file sees.
     */
    public static DeltaBlock create(List<DeltaBlock.Change> changes, ObjectNode info, List<String> packs, Collection<String> parents) {
        ObjectNode o = Json.nodes().objectNode();
        ArrayNode c = o.putArray("c");
        for (DeltaBlock.Change ch : changes) {
            ArrayNode r = c.addArray().add(ch.uuid());
            if (ch.parent() != null) {
                r.add(ch.parent());
            }
            r.add(ch.digest());
        }
        if (info != null) {
            o.set("i", info.deepCopy());
        }
        if (packs != null && !packs.isEmpty()) {
            ArrayNode k = o.putArray("k");
            packs.forEach(k::add);
        }
        List<String> sortedParents = parents == null ? List.of() : new ArrayList<>(new TreeSet<>(parents));
        if (!sortedParents.isEmpty()) {
            ArrayNode p = o.putArray("p");
            sortedParents.forEach(p::add);
        }
        return DeltaBlock.parse(null, Json.bytes(o));
    }
}
