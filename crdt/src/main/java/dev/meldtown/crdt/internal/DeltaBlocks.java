package dev.meldtown.crdt.internal;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meldtown.crdt.DeltaBlock;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/** Makes new delta blocks (only the library does, when it commits). */
public final class DeltaBlocks {
    /** {@link DeltaBlock}'s constructor, which it hands over when it is initialised (as the JDK's SharedSecrets do). */
    @FunctionalInterface
    public interface Factory {
        DeltaBlock make(String id, byte[] bytes, List<DeltaBlock.Change> changes, ObjectNode info, List<String> packs, List<String> parents);
    }

    private static volatile Factory factory;

    private DeltaBlocks() {
    }

    /** Called once, by {@link DeltaBlock}'s initialiser; a second call fails. */
    public static synchronized void factory(Factory f) {
        if (factory != null) {
            throw new IllegalStateException("the block factory is set already");
        }
        factory = f;
    }

    private static Factory factory() {
        if (factory == null) {
            try { // initialising DeltaBlock hands its constructor over
                Class.forName(DeltaBlock.class.getName(), true, DeltaBlock.class.getClassLoader());
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException(e);
            }
        }
        return factory;
    }

    /** What a block's bytes say, read by {@link #stream}. */
    public record Fields(List<DeltaBlock.Change> changes, ObjectNode info, List<String> packs, List<String> parents) {
    }

    /**
     * Reads a well-formed block's fields straight from its bytes, with no tree of the whole block (a 10,000-item
     * block is 0.8 MB of change records), or returns null when anything is unusual: a key twice, no {@code "c"}, a
     * record that is not 2 or 3 strings, a bad revision, invalid JSON. {@link DeltaBlock#parse} then reads the bytes
     * as a tree, which decides and reports exactly as before. A valid block reads the same both ways
     * ({@code DeltaBlockStreamTest}).
     */
    public static Fields stream(byte[] utf8) {
        try (JsonParser p = Json.parser(utf8)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            List<DeltaBlock.Change> changes = null;
            ObjectNode info = null;
            List<String> packs = List.of();
            List<String> parents = List.of();
            Set<String> seen = new HashSet<>(8);
            for (JsonToken k = p.nextToken(); k != JsonToken.END_OBJECT; k = p.nextToken()) {
                String name = Json.name(p);
                if (!seen.add(name)) {
                    return null; // the last one wins: the tree decides
                }
                JsonToken v = p.nextToken();
                switch (name) {
                    case "c" -> changes = changes(p, v);
                    case "k" -> packs = strings(p, v);
                    case "p" -> parents = strings(p, v);
                    case "i" -> info = Json.readValue(p, v, 2) instanceof ObjectNode o ? o : null;
                    default -> Json.skipValue(p, v, 2);
                }
                if (changes == null && name.equals("c") || packs == null || parents == null) {
                    return null;
                }
            }
            if (p.nextToken() != null || changes == null) {
                return null;
            }
            return new Fields(changes, info, packs, parents);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** The change records, or null unless each is 2 or 3 strings that make a valid revision. */
    private static List<DeltaBlock.Change> changes(JsonParser p, JsonToken t) throws IOException {
        if (t != JsonToken.START_ARRAY) {
            return null;
        }
        List<DeltaBlock.Change> out = new ArrayList<>();
        String[] parts = new String[3];
        for (JsonToken r = p.nextToken(); r != JsonToken.END_ARRAY; r = p.nextToken()) {
            if (r != JsonToken.START_ARRAY) {
                return null;
            }
            int n = 0;
            for (JsonToken e = p.nextToken(); e != JsonToken.END_ARRAY; e = p.nextToken()) {
                if (e != JsonToken.VALUE_STRING || n == 3) {
                    return null;
                }
                parts[n++] = Json.text(p);
            }
            DeltaBlock.Change ch;
            if (n == 2) {
                if (parts[1].isEmpty()) {
                    return null; // not a revision: the tree reports it
                }
                ch = new DeltaBlock.Change(parts[0], null, parts[1]); // 1-<digest> is valid for any other digest
            } else if (n == 3) {
                ch = new DeltaBlock.Change(parts[0], parts[1], parts[2]);
                ch.revision(); // validates the parent text (throws: the tree reports it)
            } else {
                return null;
            }
            out.add(ch);
        }
        return out;
    }

    /** The strings of an array, or null unless it is an array of strings. */
    private static List<String> strings(JsonParser p, JsonToken t) throws IOException {
        if (t != JsonToken.START_ARRAY) {
            return null;
        }
        List<String> out = new ArrayList<>();
        for (JsonToken e = p.nextToken(); e != JsonToken.END_ARRAY; e = p.nextToken()) {
            if (e != JsonToken.VALUE_STRING) {
                return null;
            }
            out.add(Json.text(p));
        }
        return out;
    }

    /**
     * Builds a block: {@code {"c":[changes],"i":info,"k":[packs],"p":[parents]}} in canonical bytes, parents sorted,
     * empty {@code packs}/{@code parents} and null {@code info} omitted. The block is what a reader of the stored
     * file sees: {@code DeltaBlockCreateTest} checks that it equals the block parsed from its bytes.
     */
    public static DeltaBlock create(List<DeltaBlock.Change> changes, ObjectNode info, List<String> packs, Collection<String> parents) {
        // Written straight as canonical JSON (keys c, i, k, p are in code point order), with no tree in between
        StringBuilder sb = new StringBuilder(64 + changes.size() * 144);
        sb.append("{\"c\":[");
        for (int i = 0; i < changes.size(); i++) {
            DeltaBlock.Change ch = changes.get(i);
            sb.append(i == 0 ? "[" : ",[");
            Json.writeString(ch.uuid(), sb);
            if (ch.parent() != null) {
                sb.append(',');
                Json.writeString(ch.parent(), sb);
            }
            sb.append(',');
            Json.writeString(ch.digest(), sb);
            sb.append(']');
        }
        sb.append(']');
        if (info != null) {
            sb.append(",\"i\":").append(Json.write(info));
        }
        List<String> packList = packs == null ? List.of() : packs;
        stringArray(sb, "k", packList);
        List<String> sortedParents = parents == null ? List.of() : new ArrayList<>(new TreeSet<>(parents));
        stringArray(sb, "p", sortedParents);
        sb.append('}');
        byte[] bytes = sb.toString().getBytes(StandardCharsets.UTF_8);
        // What a reader of the stored bytes sees, without parsing them again (a tenth of a 100k-item commit): the
        // changes, packs and parents are the strings written; the information object is read back from its own
        // canonical bytes, so that its numbers are what a reader gets.
        ObjectNode readInfo = info == null ? null : Json.parseObject(Json.bytes(info));
        return factory().make(Hashes.sha256Hex(bytes), bytes, changes, readInfo, packList, sortedParents);
    }

    // ,"key":["a","b"] unless the list is empty (then the key is omitted)
    private static void stringArray(StringBuilder sb, String key, List<String> values) {
        if (values.isEmpty()) {
            return;
        }
        sb.append(",\"").append(key).append("\":[");
        for (int i = 0; i < values.size(); i++) {
            if (i > 0) {
                sb.append(',');
            }
            Json.writeString(values.get(i), sb);
        }
        sb.append(']');
    }
}
