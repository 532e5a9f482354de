package dev.meldtown.crdt.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.meldtown.crdt.CorruptDataException;
import dev.meldtown.crdt.InvalidDocumentException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Flatten/unflatten (spec §2.2, §2.5, §4.5, gen C). Fields whose key ends in {@code ♭} are split out: objects
 * become separate objects referenced by id, arrays become array descriptors {@code ^sha256(path)} holding
 * {@code {"A":[order]}}, strings are escaped with {@code !}.
 *
 * <p>Deviation from Melda, on purpose (spec §8.5): Melda gives every id-less object of one ♭ array the same id
 * sha256(path), so all but one are silently lost. We reject such a document with an
 * {@link InvalidDocumentException} naming the array's path; a single id-less object keeps Melda's id. Arrays
 * nested directly inside a ♭ array (which would collide with their parent's descriptor) are rejected the same way.
 *
 * <p>Also rejected, because Melda would store them and lose them on read (spec §8.5–6, issue 10 item 11):
 * a primitive (string, number, boolean, null) in a ♭ array (read keeps only objects from a ♭ array); an object in
 * a ♭ field whose {@code _id} starts with {@code !} (read takes the reference for an escaped string); the
 * {@code _id} {@code √} below the root (it overwrites the root); and one {@code _id} given to two objects (the
 * later overwrites the earlier, and the earlier's place reads back empty).
 */
public final class Flattener {
    public static final String FLAT = "\u266D";
    public static final String ROOT = "\u221A";
    public static final String ID = "_id";

    private Flattener() {
    }

    /** Flattens a document into id → content (contents without {@code _id}); descriptors hold {@code {"A":[…]}}. */
    public static Map<String, ObjectNode> flatten(ObjectNode doc) {
        Map<String, ObjectNode> out = new LinkedHashMap<>();
        flattenObject(doc, new ArrayList<>(), out, null);
        return out;
    }

    /** The id of the root object of a document: its {@code _id} or {@code √}. */
    public static String rootId(ObjectNode doc) {
        return id(doc, List.of());
    }

    private static String id(ObjectNode obj, List<String> path) {
        JsonNode id = obj.get(ID);
        if (id != null) {
            if (!id.isTextual()) {
                throw new InvalidDocumentException("_id must be a string at " + describe(path) + ", got " + id);
            }
            if (id.textValue().startsWith("^")) {
                throw new InvalidDocumentException("_id must not start with ^ (reserved for array descriptors): " + id.textValue());
            }
            return id.textValue();
        }
        return path.isEmpty() ? ROOT : Hashes.sha256Hex(String.join("", path));
    }

    private static String flattenObject(ObjectNode obj, List<String> path, Map<String, ObjectNode> out, String[] arrayAutoId) {
        String u = id(obj, path);
        if (arrayAutoId != null && !obj.has(ID)) {
            if (arrayAutoId[0] != null) {
                throw new InvalidDocumentException("several objects without _id in the \u266D array at " + describe(path)
                        + ": they would share one id and all but one would be lost; give each element an _id");
            }
            arrayAutoId[0] = u;
        }
        List<String> self = new ArrayList<>(path);
        self.add(u);
        if (!path.isEmpty() && ROOT.equals(u)) {
            throw new InvalidDocumentException("_id " + ROOT + " is reserved for the document root, found at " + describe(path)
                    + ": Melda would overwrite the root with it and lose one of them");
        }
        ObjectNode content = JsonNodeFactory.instance.objectNode();
        Iterator<Map.Entry<String, JsonNode>> it = obj.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            String k = e.getKey();
            if (ID.equals(k)) {
                continue;
            }
            if (k.endsWith(FLAT)) {
                List<String> p = new ArrayList<>(self);
                p.add(k);
                content.set(k, transform(e.getValue(), p, out, false));
            } else {
                content.set(k, e.getValue().deepCopy());
            }
        }
        if (out.put(u, content) != null) {
            throw new InvalidDocumentException("_id " + u + " is used by two objects (again at " + describe(path)
                    + "): Melda keeps only one of them; give each object its own _id");
        }
        return u;
    }

    private static JsonNode transform(JsonNode v, List<String> path, Map<String, ObjectNode> out, boolean inArray) {
        if (v.isTextual()) {
            return TextNode.valueOf("!" + v.textValue());
        }
        if (v.isObject()) {
            JsonNode id = v.get(ID);
            if (id != null && id.isTextual() && id.textValue().startsWith("!")) {
                throw new InvalidDocumentException("_id " + id.textValue() + " of the object in the \u266D field at " + describe(path)
                        + " starts with !, which Melda reads back as an escaped string (the object would be lost); choose another _id");
            }
            return TextNode.valueOf(flattenObject((ObjectNode) v, path, out, null));
        }
        if (v.isArray()) {
            if (inArray) {
                throw new InvalidDocumentException("array nested directly in the \u266D array at " + describe(path)
                        + " is not supported (it would collide with the enclosing array descriptor)");
            }
            ArrayNode order = JsonNodeFactory.instance.arrayNode();
            String[] autoId = new String[1];
            int i = 0;
            for (JsonNode e : v) {
                if (!e.isObject() && !e.isArray()) {
                    throw new InvalidDocumentException(e.getNodeType().toString().toLowerCase(java.util.Locale.ROOT) + " " + abbreviate(e)
                            + " at index " + i + " of the \u266D array at " + describe(path)
                            + ": Melda reads only objects back from a \u266D array (it would be lost); wrap it in an object with an _id, or drop the \u266D");
                }
                order.add(e.isObject() ? TextNode.valueOf(flattenObject((ObjectNode) e, path, out, autoId))
                        : transform(e, path, out, true));
                i++;
            }
            String desc = "^" + Hashes.sha256Hex(String.join("", path));
            ObjectNode d = JsonNodeFactory.instance.objectNode();
            d.set("A", order);
            out.put(desc, d);
            return TextNode.valueOf(desc);
        }
        return v.deepCopy();
    }

    private static String abbreviate(JsonNode v) {
        String t = v.toString();
        return t.length() > 40 ? t.substring(0, 40) + "…" : t;
    }

    private static String describe(List<String> path) {
        return path.isEmpty() ? "the root" : String.join("/", path);
    }

    /** What unflatten needs from the replica. */
    public interface Source {
        /** The content (descriptors as {@code {"A":[merged order]}}) of a live object, or null if absent/deleted. */
        ObjectNode live(String id);

        /** Whether the object has any revision at all (deleted ones included). */
        boolean known(String id);
    }

    /**
     * Rebuilds the document from {@code rootId}. Each object is consumed on first use (depth-first, document
     * order), so an object referenced twice appears once. A descriptor that is deleted reads as []; one that was
     * never known raises {@link CorruptDataException} (Melda panics with unknown_descriptor_object).
     */
    public static ObjectNode unflatten(String rootId, Source src) {
        ObjectNode root = src.live(rootId);
        if (root == null) {
            return JsonNodeFactory.instance.objectNode();
        }
        Set<String> consumed = new HashSet<>();
        consumed.add(rootId);
        return unflattenObject(rootId, root, src, consumed, new HashMap<>());
    }

    private static ObjectNode unflattenObject(String id, ObjectNode content, Source src, Set<String> consumed, Map<String, ObjectNode> cache) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put(ID, id);
        Iterator<Map.Entry<String, JsonNode>> it = content.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            String k = e.getKey();
            if (ID.equals(k)) {
                continue;
            }
            o.set(k, k.endsWith(FLAT) ? value(id, k, e.getValue(), src, consumed, cache) : e.getValue().deepCopy());
        }
        return o;
    }

    private static JsonNode value(String owner, String key, JsonNode v, Source src, Set<String> consumed, Map<String, ObjectNode> cache) {
        if (v.isArray()) { // legacy inline arrays of ids (gen A)
            return orderToArray(v, src, consumed, cache);
        }
        if (!v.isTextual()) {
            return v.deepCopy();
        }
        String s = v.textValue();
        if (s.startsWith("!")) {
            return TextNode.valueOf(s.substring(1));
        }
        if (s.startsWith("^")) {
            ObjectNode d = src.live(s);
            if (d == null) {
                if (src.known(s)) {
                    return JsonNodeFactory.instance.arrayNode();
                }
                throw new CorruptDataException("unknown array descriptor " + s + " referenced by " + owner + "." + key);
            }
            JsonNode order = d.get("A");
            if (order == null || !order.isArray()) {
                throw new CorruptDataException("array descriptor " + s + " has no order");
            }
            return orderToArray(order, src, consumed, cache);
        }
        JsonNode obj = take(s, src, consumed, cache);
        return obj == null ? JsonNodeFactory.instance.nullNode() : obj;
    }

    private static ArrayNode orderToArray(JsonNode order, Source src, Set<String> consumed, Map<String, ObjectNode> cache) {
        ArrayNode a = JsonNodeFactory.instance.arrayNode();
        for (JsonNode e : order) {
            if (e.isTextual()) {
                JsonNode obj = take(e.textValue(), src, consumed, cache);
                if (obj != null) {
                    a.add(obj);
                }
            }
        }
        return a;
    }

    private static JsonNode take(String id, Source src, Set<String> consumed, Map<String, ObjectNode> cache) {
        if (id.startsWith("^") || consumed.contains(id)) {
            return null;
        }
        ObjectNode c = src.live(id);
        if (c == null) {
            return null;
        }
        consumed.add(id);
        return unflattenObject(id, c, src, consumed, cache);
    }
}
