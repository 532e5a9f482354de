package dev.meldtown.crdt;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * The JSON shapes of {@code log}, {@code conflicts}, {@code history} and {@code resolve}, shared by the CLI's
 * {@code --json} output and the HTTP API so both speak the same language.
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

    /** {@code [{"object","winner","previousWinner"}]}. */
    public static ArrayNode resolutions(List<Resolution> resolutions) {
        ArrayNode a = NODES.arrayNode();
        for (Resolution r : resolutions) {
            ObjectNode o = a.addObject();
            o.put("object", r.uuid());
            o.put("winner", r.winner().toString());
            o.put("previousWinner", r.previousWinner() == null ? null : r.previousWinner().toString());
        }
        return a;
    }

    private static ObjectNode leaf(Conflict.Leaf l) {
        ObjectNode o = NODES.objectNode();
        o.put("revision", l.revision().toString());
        o.set("value", l.value());
        return o;
    }
}
