package dev.meldtown.cli.internal;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meldtown.crdt.Conflict;
import dev.meldtown.crdt.LogEntry;
import dev.meldtown.crdt.Revision;
import java.util.List;

/**
 * The JSON shapes of {@code log}, {@code conflicts} and {@code history} for the CLI's {@code --json}
 * output. The block-store's HTTP API answers the same shapes with its own typed records
 * ({@code dev.meldtown.blockstore.ReplicaViews}); the CLI and API tests check both.
 */
public final class JsonViews {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private JsonViews() {
    }

    /** {@code [{"block","marker","anchor","origin","information"?,"packs":[],"parents":[]}]}, packs and parents sorted. */
    public static ArrayNode log(List<LogEntry> entries) {
        ArrayNode a = NODES.arrayNode();
        for (LogEntry e : entries) {
            ObjectNode o = a.addObject();
            o.put("block", e.block());
            o.put("marker", String.valueOf(e.marker()));
            o.put("anchor", e.marker() == 'A');
            o.put("origin", e.parents().isEmpty());
            if (e.info() != null) {
                o.set("information", e.info());
            }
            e.packs().stream().sorted().forEach(o.putArray("packs")::add);
            e.parents().stream().sorted().forEach(o.putArray("parents")::add);
        }
        return a;
    }

    /** {@code [{"object","winner":{"revision","value"},"others":[{"revision","value"}]}]}. */
    public static ArrayNode conflicts(List<Conflict> conflicts) {
        ArrayNode a = NODES.arrayNode();
        for (Conflict c : conflicts) {
            ObjectNode o = a.addObject();
            o.put("object", c.uuid());
            o.set("winner", leaf(c.winner()));
            ArrayNode others = o.putArray("others");
            c.others().forEach(l -> others.add(leaf(l)));
        }
        return a;
    }

    /** Revisions, winner first, as strings. */
    public static ArrayNode history(List<Revision> history) {
        ArrayNode a = NODES.arrayNode();
        history.forEach(r -> a.add(r.toString()));
        return a;
    }

    private static ObjectNode leaf(Conflict.Leaf l) {
        ObjectNode o = NODES.objectNode();
        o.put("revision", l.revision().toString());
        o.set("value", l.value());
        return o;
    }
}
