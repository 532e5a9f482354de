package dev.meldtown.crdt.internal;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meldtown.crdt.DeltaBlock;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
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
