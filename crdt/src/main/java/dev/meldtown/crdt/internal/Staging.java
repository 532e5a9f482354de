package dev.meldtown.crdt.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meldtown.crdt.CanonicalJson;
import dev.meldtown.crdt.DeltaBlock;
import dev.meldtown.crdt.ReplicaStorage;
import dev.meldtown.crdt.Revision;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.LinkedHashMap;
import java.util.function.Consumer;
import java.util.stream.IntStream;

/**
 * Staging and commit (compare automerge's {@code transaction}): the changes made since the last commit, and
 * writing them as one block.
 *
 * <p>Invariants:
 * <ul>
 *   <li>every staged revision was added to its object's tree in the {@link DocumentState} when it was staged (so
 *       reads show staged changes), and is listed once under its object in {@code staged};</li>
 *   <li>{@code stagedData} holds the bytes, by digest, of the staged objects no stored pack holds; each is also in
 *       the {@link ObjectStore}, so it is readable before the commit;</li>
 *   <li>after {@link #commit} both are empty; a commit that fails to write leaves them as they were.</li>
 * </ul>
 */
public final class Staging {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private record Staged(Revision revision, String parent) {
    }

    /** What a commit wrote: its pack (null if no new object), that pack's index (null if none) and its block. */
    public record Committed(Pack pack, byte[] index, DeltaBlock block) {
    }

    private final ReplicaStorage storage;
    private final DocumentState state;
    private final ObjectStore store;
    private final DocumentReader reader;
    // hash maps, sorted once at commit (tree maps cost string comparisons on every stage)
    private final Map<String, List<Staged>> staged = new HashMap<>();
    private final Map<String, byte[]> stagedData = new HashMap<>();

    public Staging(ReplicaStorage storage, DocumentState state, ObjectStore store, DocumentReader reader) {
        this.storage = storage;
        this.state = state;
        this.store = store;
        this.reader = reader;
    }

    /** How many revisions are staged. */
    public int count() {
        int n = 0;
        for (List<Staged> l : staged.values()) {
            n += l.size();
        }
        return n;
    }

    public boolean isEmpty() {
        return staged.isEmpty();
    }

    /** Stages the deletion of every tracked object not in {@code keep}. */
    public void deleteAllBut(Set<String> keep) {
        for (String id : state.unorderedIds()) {
            if (!keep.contains(id)) {
                delete(id);
            }
        }
    }

    /** A plain object's digest worked out ahead, with its bytes if they are not stored yet (else null). */
    private record Prepared(String digest, byte[] newBytes) {
    }

    /** Objects at or above this many go through {@link #prepare} on two threads or more (changed only by tests). */
    static volatile int parallelFrom = 4096;

    private final Map<String, Prepared> prepared = new HashMap<>();

    /**
     * Works out the digests of a document's plain objects (array descriptors are diffed, not hashed) before they are
     * staged: their canonical bytes and hashes, the bulk of an update's work, each depend only on the object and on
     * the state before the update, so a big document is done on the common pool's threads as well. The staging
     * itself stays on the caller's thread, in order, and uses them ({@link #updateObject}); {@link #clearPrepared}
     * drops what is left.
     */
    public void prepare(Map<String, ObjectNode> flat) {
        List<Map.Entry<String, ObjectNode>> plain = new ArrayList<>(flat.size());
        for (Map.Entry<String, ObjectNode> e : flat.entrySet()) {
            if (!e.getKey().startsWith("^")) {
                plain.add(e);
            }
        }
        Prepared[] out = new Prepared[plain.size()];
        boolean[] failed = {false};
        IntStream range = IntStream.range(0, out.length);
        (out.length >= parallelFrom ? range.parallel() : range).forEach(i -> {
            try {
                out[i] = prepare(plain.get(i).getKey(), plain.get(i).getValue());
            } catch (RuntimeException e) {
                failed[0] = true; // an object that cannot be written: staged in order, it fails as it always did
            }
        });
        if (failed[0]) {
            return;
        }
        for (int i = 0; i < out.length; i++) {
            if (out[i] != null) {
                prepared.put(plain.get(i).getKey(), out[i]);
            }
        }
    }

    // reads the state and the store only: safe on any thread while nothing is staged
    private Prepared prepare(String id, ObjectNode content) {
        if (specialDigest(content) != null) {
            return null;
        }
        byte[] b = CanonicalJson.bytes(content);
        RevisionTree tree = state.get(id);
        Revision w = tree == null ? null : tree.winner();
        // the winner's own bytes have the winner's digest: an unchanged object (most of them, in an edit of a big
        // document) is recognised without hashing it
        if (w != null && store.holds(w.digest(), b)) {
            return new Prepared(w.digest(), null);
        }
        return new Prepared(Hashes.sha256Hex(b), b);
    }

    public void clearPrepared() {
        prepared.clear();
    }

    /** Stages what makes the object's content {@code content} (for a descriptor: a patch from its winner's order). */
    public void updateObject(String id, ObjectNode content) {
        RevisionTree tree = state.get(id);
        Revision w = tree == null ? null : tree.winner();
        if (id.startsWith("^") && w != null) {
            JsonNode a = content.get("A");
            List<JsonNode> target = new ArrayList<>();
            a.forEach(target::add);
            ArrayNode patch = Myers.diff(reader.rebuild(tree, w, new HashMap<>()), target);
            if (patch.isEmpty()) {
                if (w.isDeleted()) {
                    // a live object names a deleted descriptor (concurrent delete of the parent and edit, spec
                    // §8.8; libmelda-tools' read panics): re-create it as an empty snapshot, which heals the replica
                    ObjectNode c = NODES.objectNode();
                    c.putArray("A");
                    stage(id, tree, Revisions.childOf(w, digestAndStage(c)), w.toString());
                }
                return; // unchanged array: no change (Melda 0.4.1 fails here, spec §8.1)
            }
            ObjectNode c = NODES.objectNode();
            c.set("a", patch);
            stage(id, tree, Revisions.childOf(w, digestAndStage(c)), w.toString());
            return;
        }
        Prepared p = prepared.remove(id);
        if (p == null) {
            p = prepare(id, content);
        }
        String digest;
        if (p == null) {
            digest = specialDigest(content);
        } else {
            digest = p.digest();
            if (p.newBytes() != null && !store.contains(digest)) {
                stagedData.put(digest, p.newBytes());
                store.stage(digest, p.newBytes());
            }
        }
        if (tree == null) {
            stage(id, state.getOrCreate(id), Revisions.creation(digest), null);
        } else if (w == null || !w.digest().equals(digest)) {
            stage(id, tree, w == null ? Revisions.creation(digest) : Revisions.childOf(w, digest), w == null ? null : w.toString());
        }
    }

    /** Stages the deletion of a live object (nothing for a deleted or resolved winner). */
    public void delete(String id) {
        RevisionTree tree = state.get(id);
        Revision w = tree.winner();
        if (w == null || w.isDeleted() || w.isResolved()) {
            return;
        }
        stage(id, tree, Revisions.childOf(w, Revision.DELETED), w.toString());
    }

    /** Stages a revision of {@code id} (added to its tree at once); nothing if the tree has it already. */
    public void stage(String id, RevisionTree tree, Revision r, String parent) {
        if (tree.add(r, parent)) {
            staged.computeIfAbsent(id, k -> new ArrayList<>()).add(new Staged(r, parent));
        }
    }

    /** Melda's digest rule; stages the bytes unless they are special or already stored. */
    private String digestAndStage(ObjectNode content) {
        String special = specialDigest(content);
        return special != null ? special : hashAndStage(CanonicalJson.bytes(content));
    }

    /** The digest of content Melda does not hash (empty, or a lone charcode '#'), or null. */
    private static String specialDigest(ObjectNode content) {
        if (content.isEmpty()) {
            return Revision.EMPTY;
        }
        JsonNode hash = content.get("#");
        // Only a lone charcode '#' is honoured; other '#' objects are hashed normally (Melda makes them unreadable).
        if (content.size() == 1 && hash != null && (hash.isTextual() || hash.isIntegralNumber())) {
            String v = hash.isTextual() ? hash.textValue() : hash.asText();
            if (ObjectStore.isCharcode(v)) {
                return v;
            }
        }
        return null;
    }

    /** The digest of canonical bytes; stages them unless already stored. */
    private String hashAndStage(byte[] b) {
        String d = Hashes.sha256Hex(b);
        if (!store.contains(d)) {
            stagedData.put(d, b);
            store.stage(d, b);
        }
        return d;
    }

    /**
     * Writes the staged changes as one block (pack and index first, then the delta) with {@code parents}, and
     * clears the staging. The caller records the result as applied.
     */
    public Committed commit(ObjectNode info, Collection<String> parents, Consumer<DeltaBlock> beforeStored) {
        List<String> packList = new ArrayList<>();
        Pack pack = null;
        byte[] index = null;
        if (!stagedData.isEmpty()) {
            Map<String, byte[]> byDigest = new LinkedHashMap<>();
            for (String d : Hashes.sortedDigests(stagedData.keySet())) {
                byDigest.put(d, stagedData.get(d));
            }
            pack = Pack.build(byDigest); // sorted by digest: deterministic; each digest computed once, when staged
            if (pack.needsIndex()) {
                index = pack.indexBytes();
                storage.write(pack.hash() + ".index", index);
            }
            storage.write(pack.hash() + ".pack", pack.bytes());
            packList.add(pack.hash());
        }
        List<DeltaBlock.Change> changes = new ArrayList<>();
        List<Map.Entry<String, List<Staged>>> byUuid = new ArrayList<>(staged.entrySet());
        byUuid.sort(Map.Entry.comparingByKey(CanonicalJson.KEY_ORDER));
        for (Map.Entry<String, List<Staged>> e : byUuid) {
            List<Staged> revs = new ArrayList<>(e.getValue());
            revs.sort(Comparator.comparing(Staged::revision));
            for (Staged s : revs) {
                changes.add(new DeltaBlock.Change(e.getKey(), s.parent(), s.revision().digest()));
            }
        }
        DeltaBlock block = DeltaBlocks.create(changes, info, packList, parents);
        beforeStored.accept(block);
        storage.write(block.key(), block.bytes());
        staged.clear();
        stagedData.clear();
        return new Committed(pack, index, block);
    }
}
