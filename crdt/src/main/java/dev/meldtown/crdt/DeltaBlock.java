package dev.meldtown.crdt;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meldtown.crdt.internal.DeltaBlocks;
import dev.meldtown.crdt.internal.Hashes;
import dev.meldtown.crdt.internal.Revisions;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A delta block ({@code <id>.delta}, gen C): {@code {"c":[changes],"i":info,"k":[packs],"p":[parents]}} with
 * id = sha256 of its exact bytes. Blocks are immutable read-only values; {@link #bytes()} are the bytes that were
 * parsed (the library makes new blocks when it commits).
 */
public final class DeltaBlock {
    /**
     * A change record: {@code [uuid, digest]} creates {@code 1-<digest>}; {@code [uuid, parent, digest]} creates a
     * child of the revision whose text is {@code parent}.
     */
    public record Change(String uuid, String parent, String digest) {
        public Change {
            Objects.requireNonNull(uuid, "uuid");
            Objects.requireNonNull(digest, "digest");
        }

        /** The revision this record defines. */
        public Revision revision() {
            return parent == null ? Revisions.creation(digest) : Revisions.childOf(parent, digest);
        }
    }

    private final String id;
    private final byte[] bytes;
    private final List<Change> changes;
    private final ObjectNode info;
    private final List<String> packs;
    private final List<String> parents;

    static {
        // the library's commits make blocks through DeltaBlocks with this constructor, without parsing their bytes
        DeltaBlocks.factory(DeltaBlock::new);
    }

    private DeltaBlock(String id, byte[] bytes, List<Change> changes, ObjectNode info, List<String> packs, List<String> parents) {
        this.id = id;
        this.bytes = bytes;
        this.changes = List.copyOf(changes);
        this.info = info;
        this.packs = List.copyOf(packs);
        this.parents = List.copyOf(parents);
    }

    /**
     * Parses stored bytes as gen C does: the id must be the sha256 of the bytes and the bytes a JSON object; if
     * {@code c} is missing the block has no changes, packs or parents.
     *
     * @throws CorruptDataException if the hash does not match or the content is malformed
     */
    public static DeltaBlock parse(String id, byte[] bytes) {
        String h = Hashes.sha256Hex(bytes);
        if (id != null && !id.equals(h)) {
            throw new CorruptDataException("block " + id + " hashes to " + h);
        }
        DeltaBlocks.Fields f = DeltaBlocks.stream(bytes);
        if (f != null) {
            return new DeltaBlock(h, bytes.clone(), f.changes(), f.info(), f.packs(), f.parents());
        }
        return parseTree(h, bytes);
    }

    /** {@link #parse} through a tree of the whole block: what decides, and reports, whatever is unusual. */
    static DeltaBlock parseTree(String h, byte[] bytes) {
        ObjectNode o = CanonicalJson.parseObject(bytes);
        List<Change> changes = new ArrayList<>();
        List<String> packs = new ArrayList<>();
        List<String> parents = new ArrayList<>();
        ObjectNode info = o.get("i") instanceof ObjectNode i ? i : null;
        JsonNode c = o.get("c");
        if (c != null) {
            if (!c.isArray()) {
                throw new CorruptDataException("block " + h + ": \"c\" is not an array");
            }
            for (JsonNode r : c) {
                changes.add(parseChange(h, r));
            }
            packs.addAll(stringList(h, o.get("k"), "k"));
            parents.addAll(stringList(h, o.get("p"), "p"));
        }
        return new DeltaBlock(h, bytes.clone(), changes, info, packs, parents);
    }

    private static Change parseChange(String block, JsonNode r) {
        if (!r.isArray() || (r.size() != 2 && r.size() != 3)) {
            throw new CorruptDataException("block " + block + ": malformed change record " + r);
        }
        for (JsonNode e : r) {
            if (!e.isTextual()) {
                throw new CorruptDataException("block " + block + ": malformed change record " + r);
            }
        }
        try {
            Change ch = r.size() == 2 ? new Change(r.get(0).textValue(), null, r.get(1).textValue())
                    : new Change(r.get(0).textValue(), r.get(1).textValue(), r.get(2).textValue());
            ch.revision(); // validates the parent text
            return ch;
        } catch (InvalidRevisionException e) {
            throw new CorruptDataException("block " + block + ": " + e.getMessage());
        }
    }

    private static List<String> stringList(String block, JsonNode n, String key) {
        List<String> out = new ArrayList<>();
        if (n == null) {
            return out;
        }
        if (!n.isArray()) {
            throw new CorruptDataException("block " + block + ": \"" + key + "\" is not an array");
        }
        for (JsonNode e : n) {
            if (!e.isTextual()) {
                throw new CorruptDataException("block " + block + ": \"" + key + "\" holds a non-string");
            }
            out.add(e.textValue());
        }
        return out;
    }

    public String id() {
        return id;
    }

    /** The storage key {@code <id>.delta}. */
    public String key() {
        return id + ".delta";
    }

    public byte[] bytes() {
        return bytes.clone();
    }

    public List<Change> changes() {
        return changes;
    }

    /** The free information object ({@code author}, {@code description}), or {@code null}. */
    public ObjectNode info() {
        return info == null ? null : info.deepCopy();
    }

    public List<String> packs() {
        return packs;
    }

    public List<String> parents() {
        return parents;
    }

    public boolean isOrigin() {
        return parents.isEmpty();
    }

    @Override
    public String toString() {
        return "DeltaBlock[" + id + "]";
    }
}
