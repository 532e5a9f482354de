package dev.meldtown.crdt;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meldtown.crdt.internal.Flattener;
import dev.meldtown.crdt.internal.Myers;
import dev.meldtown.crdt.internal.Patches;
import dev.meldtown.crdt.internal.RevisionTree;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * A Melda replica (format generation C, what libmelda-tools 0.2.0 reads and writes) over a {@link ReplicaStorage}.
 *
 * <p>Typical use: {@code open}, {@link #update} with the whole new document, {@link #commit}; {@link #meld} to
 * pull another replica's files; {@link #read} to get the merged document. Not thread-safe: one writer per
 * instance (the storage itself is safe to share, files being immutable).
 *
 * <p>Differences from Melda, all deliberate: packs are scanned JSON-aware and an index is written whenever a
 * pack holds braces inside strings; an unchanged ♭ array is no change (not a failure); committing after a meld
 * of divergent replicas auto-resolves descriptors without hanging; id-less objects that would collide in a ♭
 * array are rejected (see {@link #update}); corrupt patches and missing descriptors raise
 * {@link CorruptDataException} instead of panicking; resolving towards a deleted leaf keeps the object deleted
 * (libmelda-tools stores {@code {"_deleted":true}} as a live revision, and the item reappears with that field);
 * an update that still names a deleted array descriptor re-creates it, so libmelda-tools can read the replica again.
 */
public final class Replica {
    public static final String ROOT_ID = Flattener.ROOT;

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final ReplicaStorage storage;
    private final Map<String, DeltaBlock> blocks = new HashMap<>(); // parsed, hash-checked
    private final Map<String, String> corrupt = new TreeMap<>(); // never retried: bad hash or unparsable
    private final Map<String, String> corruptPacks = new TreeMap<>(); // pack hash -> why it cannot be used
    private final Map<String, String> whyPending = new HashMap<>(); // loaded, not applied -> why (last refresh)
    private final Set<String> applied = new LinkedHashSet<>();
    // Kept up to date as blocks load and apply, so a refresh and anchors() cost the new blocks, not the history.
    private final Set<String> pending = new TreeSet<>(); // loaded, not applied (waiting for a pack or a parent)
    private final Set<String> namedAsParent = new HashSet<>(); // parents of applied blocks
    private final TreeSet<String> anchorSet = new TreeSet<>(); // applied and not in namedAsParent
    private final Map<String, Pack> packs = new HashMap<>();
    private final Map<String, byte[]> objects = new HashMap<>(); // digest -> exact bytes
    private final Map<String, ObjectNode> parsed = new HashMap<>(); // digest -> parsed content (immutable use)
    private final TreeMap<String, RevisionTree> trees = new TreeMap<>(CanonicalJson.KEY_ORDER);
    private final Map<String, List<Staged>> staged = new TreeMap<>(CanonicalJson.KEY_ORDER);
    private final Map<String, byte[]> stagedData = new TreeMap<>();

    private record Staged(Revision revision, String parent) {
    }

    private DocumentLimits limits = DocumentLimits.DEFAULT;

    private Replica(ReplicaStorage storage) {
        this.storage = storage;
    }

    /** Opens a replica and loads every valid block (invalid ones are skipped; see {@link #invalidBlocks()}). */
    public static Replica open(ReplicaStorage storage) {
        Replica r = new Replica(storage);
        r.refresh();
        return r;
    }

    /** Opens the replica at a URL (see {@link StorageUrls}). */
    public static Replica open(String url) {
        return open(StorageUrls.open(url));
    }

    public ReplicaStorage storage() {
        return storage;
    }

    /** The limits {@link #update} enforces ({@link DocumentLimits#DEFAULT} unless changed). */
    public DocumentLimits limits() {
        return limits;
    }

    /** Sets the limits {@link #update} enforces; returns this replica. */
    public Replica limits(DocumentLimits limits) {
        this.limits = java.util.Objects.requireNonNull(limits, "limits");
        return this;
    }

    // ------------------------------------------------------------------ loading

    /**
     * Loads blocks not yet applied: checks each block's hash and its packs, skips and reports invalid ones, and
     * retries those that were waiting for a pack or a parent.
     */
    public RefreshReport refresh() {
        for (String id : storage.list(".delta")) {
            if (blocks.containsKey(id) || corrupt.containsKey(id)) {
                continue;
            }
            try {
                blocks.put(id, DeltaBlock.parse(id, storage.read(id + ".delta")));
                pending.add(id);
            } catch (MeldaException e) {
                corrupt.put(id, e.getMessage());
            }
        }
        return applyLoaded(new HashSet<>(storage.list(".index"))::contains);
    }

    /**
     * Loads the named blocks without listing the storage, for callers that know what was just stored (a meld of
     * announced blocks): the cost follows the new blocks, not the history. Blocks waiting for a pack are retried
     * too. When a named block is not stored, or a parent of one is neither applied nor named, blocks were stored
     * that this replica has not seen: it falls back to {@link #refresh()}, which lists.
     */
    public RefreshReport refresh(Collection<String> added) {
        Set<String> named = new TreeSet<>(added);
        for (String id : named) {
            if (blocks.containsKey(id) || corrupt.containsKey(id)) {
                continue;
            }
            byte[] bytes;
            try {
                bytes = storage.read(id + ".delta");
            } catch (MissingKeyException e) {
                return refresh();
            }
            try {
                blocks.put(id, DeltaBlock.parse(id, bytes));
                pending.add(id);
            } catch (MeldaException e) {
                corrupt.put(id, e.getMessage());
            }
        }
        for (String id : named) {
            DeltaBlock b = blocks.get(id);
            if (b != null && !applied.contains(id)) {
                for (String p : b.parents()) {
                    if (!applied.contains(p) && !named.contains(p)) {
                        return refresh();
                    }
                }
            }
        }
        return applyLoaded(null);
    }

    /**
     * Applies every loaded block that became valid. {@code hasIndex} says which packs have an {@code .index}
     * (from a listing); null probes for it.
     */
    private RefreshReport applyLoaded(Predicate<String> hasIndex) {
        Map<String, String> reasons = new TreeMap<>(corrupt);
        Map<String, Boolean> valid = new HashMap<>();
        List<String> candidates = new ArrayList<>();
        for (String id : new ArrayList<>(pending)) {
            if (isValid(id, valid, reasons, hasIndex, new HashSet<>())) {
                candidates.add(id);
            }
        }
        for (String id : candidates) { // block-id order; application is commutative anyway
            for (String p : blocks.get(id).packs()) {
                // objects become visible only with a valid block, so new commits never lean on an unusable pack
                packs.get(p).objects().forEach(objects::putIfAbsent);
            }
            apply(trees, blocks.get(id));
            markApplied(blocks.get(id));
        }
        Map<String, String> invalid = new TreeMap<>();
        for (Map.Entry<String, String> e : reasons.entrySet()) {
            if (!applied.contains(e.getKey())) {
                invalid.put(e.getKey(), e.getValue());
            }
        }
        whyPending.keySet().removeIf(applied::contains);
        invalid.forEach((id, why) -> {
            if (blocks.containsKey(id)) {
                whyPending.put(id, why);
            }
        });
        return new RefreshReport(candidates, invalid);
    }

    /**
     * Stored files that are corrupt (not merely missing): {@code <id>.delta} files that do not hash to their name
     * or do not parse, and {@code <hash>.pack} files named by a block that do not hash to their name or are not a
     * pack. Keyed by storage key, with the reason. The blocks that need them are not applied (see
     * {@link #invalidBlocks()}), so {@link #read()} shows an older state: callers that must not show older data
     * (the CLI's {@code read}) refuse to when this is not empty. A block waiting for a parent or a pack that was
     * not stored yet is not corrupt (a meld may be under way) and is not listed here.
     */
    public Map<String, String> corruptFiles() {
        Map<String, String> out = new TreeMap<>();
        corrupt.forEach((id, why) -> out.put(id + ".delta", why));
        corruptPacks.forEach((hash, why) -> out.put(hash + ".pack", why));
        return out;
    }

    /** Blocks present in storage but not applied, with the reason. */
    public Map<String, String> invalidBlocks() {
        Map<String, String> out = new TreeMap<>(corrupt);
        for (String id : blocks.keySet()) {
            if (!applied.contains(id)) {
                out.putIfAbsent(id, whyPending.getOrDefault(id, "not applied (missing pack or parent)"));
            }
        }
        return out;
    }

    /**
     * Whether a block can be applied: its packs load and all its ancestors are valid. Walks the parent DAG with an
     * explicit stack, because histories of many thousands of blocks would overflow the thread's stack.
     */
    private boolean isValid(String root, Map<String, Boolean> memo, Map<String, String> reasons, Predicate<String> hasIndex, Set<String> visiting) {
        Boolean decided = enter(root, memo, reasons, hasIndex, visiting);
        if (decided != null) {
            return decided;
        }
        java.util.ArrayDeque<String> stack = new java.util.ArrayDeque<>();
        java.util.Map<String, Integer> next = new HashMap<>();
        stack.push(root);
        next.put(root, 0);
        Boolean childResult = null;
        while (!stack.isEmpty()) {
            String id = stack.peek();
            List<String> parents = blocks.get(id).parents();
            int i = next.get(id);
            if (childResult != null && !childResult) {
                String p = parents.get(i - 1);
                reasons.put(id, blocks.containsKey(p) || corrupt.containsKey(p) ? "invalid parent " + p : "missing parent " + p);
                childResult = leave(stack, id, false, memo, visiting);
                continue;
            }
            if (i < parents.size()) {
                String p = parents.get(i);
                next.put(id, i + 1);
                childResult = enter(p, memo, reasons, hasIndex, visiting);
                if (childResult == null) {
                    stack.push(p);
                    next.put(p, 0);
                }
            } else {
                childResult = leave(stack, id, true, memo, visiting);
            }
        }
        return childResult;
    }

    /** Decides a block without visiting its parents when possible; null when its parents must be visited. */
    private Boolean enter(String id, Map<String, Boolean> memo, Map<String, String> reasons, Predicate<String> hasIndex, Set<String> visiting) {
        if (applied.contains(id)) {
            return true;
        }
        Boolean m = memo.get(id);
        if (m != null) {
            return m;
        }
        DeltaBlock b = blocks.get(id);
        if (b == null) {
            memo.put(id, false);
            return false;
        }
        if (!visiting.add(id)) {
            reasons.put(id, "cycle in parents");
            memo.put(id, false);
            return false;
        }
        for (String p : b.packs()) {
            String err = loadPack(p, hasIndex);
            if (err != null) {
                reasons.put(id, err);
                visiting.remove(id);
                memo.put(id, false);
                return false;
            }
        }
        return null;
    }

    private static Boolean leave(java.util.Deque<String> stack, String id, boolean ok, Map<String, Boolean> memo, Set<String> visiting) {
        stack.pop();
        visiting.remove(id);
        memo.put(id, ok);
        return ok;
    }

    /** Loads a pack if needed; returns null on success or the reason it cannot be used. */
    private String loadPack(String hash, Predicate<String> hasIndex) {
        if (packs.containsKey(hash)) {
            return null;
        }
        byte[] bytes;
        try {
            bytes = storage.read(hash + ".pack");
        } catch (MissingKeyException e) {
            return "missing pack " + hash;
        }
        byte[] index = null;
        if (hasIndex == null || hasIndex.test(hash)) {
            try {
                index = storage.read(hash + ".index");
            } catch (MissingKeyException ignored) {
                // listed but gone: scan instead
            }
        }
        try {
            packs.put(hash, Pack.parse(hash, bytes, index));
            return null;
        } catch (CorruptDataException e) {
            corruptPacks.put(hash, e.getMessage());
            return "invalid pack " + hash + ": " + e.getMessage();
        }
    }

    private static void apply(Map<String, RevisionTree> into, DeltaBlock b) {
        for (DeltaBlock.Change c : b.changes()) {
            into.computeIfAbsent(c.uuid(), k -> new RevisionTree()).add(c.revision(), c.parent());
        }
    }

    // ------------------------------------------------------------------ update and commit

    /**
     * Stages the changes that make the replica's state exactly {@code doc}: objects absent from {@code doc} are
     * deleted (including ones that arrived by meld; read and edit the merged document to keep them).
     *
     * <p>Id-less objects: a single id-less object in a ♭ array gets Melda's id sha256(path); two or more in the
     * same ♭ array would share that id and lose data in Melda, so they raise {@link InvalidDocumentException}
     * naming the array's path. Give array elements explicit {@code _id}s.
     *
     * <p>The document must stay within {@link #limits()} (so that every reader can read what is written), and must
     * not hold what Melda would silently lose (spec §8.5–6): primitives in a ♭ array, an object in a ♭ field
     * whose {@code _id} starts with {@code !}, {@code _id} {@code √} below the root, one {@code _id} used twice.
     *
     * @return whether anything was staged
     * @throws InvalidDocumentException if the document exceeds a limit or cannot be flattened (nothing is staged
     *     then)
     */
    public boolean update(ObjectNode doc) {
        limits.check(doc);
        Map<String, ObjectNode> flat = Flattener.flatten(doc);
        int before = stagedCount();
        for (String id : new ArrayList<>(trees.keySet())) {
            if (!flat.containsKey(id)) {
                delete(id);
            }
        }
        for (Map.Entry<String, ObjectNode> e : flat.entrySet()) {
            if (e.getKey().startsWith("^")) {
                // The caller edited the merged order that read showed: resolve to it first, then diff against it.
                // Diffing against the winner's own order and merging the other leaves back in at commit re-added
                // elements the caller had moved elsewhere (found by fuzzing the replica target).
                resolveConflictingDescriptor(e.getKey());
            }
            updateObject(e.getKey(), e.getValue());
        }
        return stagedCount() != before;
    }

    /** Convenience: {@link #update(ObjectNode)} from JSON text (parsed within {@link #limits()}). */
    public boolean update(String json) {
        JsonNode n = limits.parse(json);
        if (!n.isObject()) {
            throw new InvalidDocumentException("document must be a JSON object");
        }
        return update((ObjectNode) n);
    }

    private int stagedCount() {
        int n = 0;
        for (List<Staged> l : staged.values()) {
            n += l.size();
        }
        return n;
    }

    /** Whether there are staged changes to commit. */
    public boolean hasStagedChanges() {
        return !staged.isEmpty();
    }

    private void updateObject(String id, ObjectNode content) {
        RevisionTree tree = trees.get(id);
        Revision w = tree == null ? null : tree.winner();
        if (id.startsWith("^") && w != null) {
            JsonNode a = content.get("A");
            List<JsonNode> target = new ArrayList<>();
            a.forEach(target::add);
            ArrayNode patch = Myers.diff(rebuild(tree, w, new HashMap<>()), target);
            if (patch.isEmpty()) {
                if (w.isDeleted()) {
                    // a live object names a deleted descriptor (concurrent delete of the parent and edit, spec
                    // §8.8; libmelda-tools' read panics): re-create it as an empty snapshot, which heals the replica
                    ObjectNode c = NODES.objectNode();
                    c.putArray("A");
                    stage(id, tree, Revision.childOf(w, digestAndStage(c)), w.toString());
                }
                return; // unchanged array: no change (Melda 0.4.1 fails here, spec §8.1)
            }
            ObjectNode c = NODES.objectNode();
            c.set("a", patch);
            stage(id, tree, Revision.childOf(w, digestAndStage(c)), w.toString());
            return;
        }
        String digest = digestAndStage(content);
        if (tree == null) {
            tree = new RevisionTree();
            trees.put(id, tree);
            stage(id, tree, Revision.creation(digest), null);
        } else if (w == null || !w.digest().equals(digest)) {
            stage(id, tree, w == null ? Revision.creation(digest) : Revision.childOf(w, digest), w == null ? null : w.toString());
        }
    }

    private void delete(String id) {
        RevisionTree tree = trees.get(id);
        Revision w = tree.winner();
        if (w == null || w.isDeleted() || w.isResolved()) {
            return;
        }
        stage(id, tree, Revision.childOf(w, Revision.DELETED), w.toString());
    }

    private void stage(String id, RevisionTree tree, Revision r, String parent) {
        if (tree.add(r, parent)) {
            staged.computeIfAbsent(id, k -> new ArrayList<>()).add(new Staged(r, parent));
        }
    }

    /** Melda's digest rule; stages the bytes unless they are special or already stored. */
    private String digestAndStage(ObjectNode content) {
        if (content.isEmpty()) {
            return Revision.EMPTY;
        }
        JsonNode hash = content.get("#");
        // Only a lone charcode '#' is honoured; other '#' objects are hashed normally (Melda makes them unreadable).
        if (content.size() == 1 && hash != null && (hash.isTextual() || hash.isIntegralNumber())) {
            String v = hash.isTextual() ? hash.textValue() : hash.asText();
            if (isCharcode(v)) {
                return v;
            }
        }
        byte[] b = CanonicalJson.bytes(content);
        String d = dev.meldtown.crdt.internal.Hashes.sha256Hex(b);
        if (!objects.containsKey(d)) {
            stagedData.put(d, b);
            objects.put(d, b);
        }
        return d;
    }

    static boolean isCharcode(String d) {
        if (d.isEmpty() || d.length() > 8 || Revision.DELETED.equals(d) || Revision.EMPTY.equals(d)) {
            return false;
        }
        try {
            Long.parseUnsignedLong(d, 16);
            return Long.parseUnsignedLong(d, 16) <= 0xffffffffL;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /**
     * Writes the staged changes as one block (pack first, then the delta) whose parents are all current anchors.
     * Array descriptors with several leaves are first resolved to their merged order (as Melda does, minus its
     * deadlock, spec §8.2).
     *
     * @param info free information object ({@code author}, {@code description}), or null; it is stored inside the
     *     delta, one level deeper, so it is held to {@link #limits()} like a document
     * @return the new block id, or empty if nothing was staged
     * @throws DocumentLimitException if {@code info} exceeds the limits (nothing is written; the changes stay staged)
     */
    public Optional<String> commit(ObjectNode info) {
        if (staged.isEmpty()) {
            return Optional.empty();
        }
        if (info != null) {
            limits.check(info);
        }
        for (String id : new ArrayList<>(trees.keySet())) {
            if (id.startsWith("^")) {
                resolveConflictingDescriptor(id);
            }
        }
        List<String> packList = new ArrayList<>();
        Pack pack = null;
        if (!stagedData.isEmpty()) {
            pack = Pack.build(new ArrayList<>(stagedData.values())); // sorted by digest: deterministic
            if (pack.needsIndex()) {
                storage.write(pack.hash() + ".index", pack.indexBytes());
            }
            storage.write(pack.hash() + ".pack", pack.bytes());
            packList.add(pack.hash());
        }
        List<DeltaBlock.Change> changes = new ArrayList<>();
        for (Map.Entry<String, List<Staged>> e : staged.entrySet()) {
            List<Staged> revs = new ArrayList<>(e.getValue());
            revs.sort(Comparator.comparing(Staged::revision));
            for (Staged s : revs) {
                changes.add(new DeltaBlock.Change(e.getKey(), s.parent(), s.revision().digest()));
            }
        }
        DeltaBlock block = DeltaBlock.create(changes, info, packList, anchors());
        storage.write(block.key(), block.bytes());
        if (pack != null) {
            packs.put(pack.hash(), pack);
        }
        blocks.put(block.id(), block);
        markApplied(block);
        staged.clear();
        stagedData.clear();
        return Optional.of(block.id());
    }

    /** Commit with the CLI's information object (only the non-null keys; no info if both are null). */
    public Optional<String> commit(String author, String description) {
        ObjectNode info = null;
        if (author != null || description != null) {
            info = NODES.objectNode();
            if (author != null) {
                info.put("author", author);
            }
            if (description != null) {
                info.put("description", description);
            }
        }
        return commit(info);
    }

    /** Applied blocks not named as parent by another applied block, sorted. */
    public List<String> anchors() {
        return new ArrayList<>(anchorSet);
    }

    /** Records a block as applied (in any order: a parent may be applied after its child within one refresh). */
    private void markApplied(DeltaBlock b) {
        applied.add(b.id());
        pending.remove(b.id());
        namedAsParent.addAll(b.parents());
        b.parents().forEach(anchorSet::remove);
        if (!namedAsParent.contains(b.id())) {
            anchorSet.add(b.id());
        }
    }

    /** Ids of all applied blocks: a read-only view (it grows as the replica refreshes and commits). */
    public Set<String> appliedBlocks() {
        return java.util.Collections.unmodifiableSet(applied);
    }

    /** A parsed block by id. */
    public DeltaBlock block(String id) {
        DeltaBlock b = blocks.get(id);
        if (b == null) {
            throw new UnknownObjectException("unknown block " + id);
        }
        return b;
    }

    // ------------------------------------------------------------------ checkpoints (see Checkpoint)

    /** Applied blocks, by id (package-private: {@link Checkpoint} captures them). */
    List<DeltaBlock> appliedBlockList() {
        List<DeltaBlock> out = new ArrayList<>();
        for (String id : new TreeSet<>(applied)) {
            out.add(blocks.get(id));
        }
        return out;
    }

    /** The objects of every loaded pack (only committed state: refuses while changes are staged). */
    Map<String, byte[]> committedObjects() {
        if (hasStagedChanges()) {
            throw new IllegalStateException("cannot capture a replica with staged changes");
        }
        return new TreeMap<>(objects);
    }

    /**
     * A replica whose state is {@code blocks} (assumed valid and stored in {@code storage}) with their
     * {@code objects}, without reading the storage; {@link #refresh()} then applies only newer blocks.
     */
    static Replica restore(ReplicaStorage storage, List<DeltaBlock> blocks, Map<String, byte[]> objects) {
        Replica r = new Replica(storage);
        r.objects.putAll(objects);
        for (DeltaBlock b : blocks) {
            r.blocks.put(b.id(), b);
        }
        for (DeltaBlock b : blocks) {
            apply(r.trees, b);
            r.markApplied(b);
        }
        return r;
    }

    // ------------------------------------------------------------------ meld

    /** Copies every pack, index and delta of {@code source} missing from {@code target} (packs first). */
    public static List<String> copyMissing(ReplicaStorage source, ReplicaStorage target) {
        Set<String> have = new HashSet<>(target.list(""));
        List<String> copied = new ArrayList<>();
        for (String suffix : List.of(".pack", ".index", ".delta")) {
            for (String k : source.list(suffix)) {
                String key = k + suffix;
                if (!have.contains(key) && target.write(key, source.read(key))) {
                    copied.add(key);
                }
            }
        }
        return copied;
    }

    /** Copies what {@code source} has and this replica lacks (a set union of immutable files), then refreshes. */
    public MeldResult meld(ReplicaStorage source) {
        List<String> copied = copyMissing(source, storage);
        return new MeldResult(copied, refresh());
    }

    // ------------------------------------------------------------------ reading

    /** The document rooted at {@code √}, including staged changes; {@code {}} for an empty replica. */
    public ObjectNode read() {
        return read(ROOT_ID);
    }

    /** The document rooted at the object {@code rootId}. */
    public ObjectNode read(String rootId) {
        return readFrom(trees, rootId);
    }

    /** The document as of {@code blockId}: that block and its ancestors only (no staged changes). */
    public ObjectNode readAt(String blockId) {
        return readFrom(treesUntil(blockId), ROOT_ID);
    }

    private Map<String, RevisionTree> treesUntil(String blockId) {
        Map<String, RevisionTree> t = new HashMap<>();
        for (String id : ancestors(blockId)) {
            apply(t, blocks.get(id));
        }
        return t;
    }

    private Set<String> ancestors(String blockId) {
        if (!applied.contains(blockId)) {
            throw new UnknownObjectException("unknown or invalid block " + blockId);
        }
        Set<String> seen = new LinkedHashSet<>();
        Deque<String> q = new ArrayDeque<>(List.of(blockId));
        while (!q.isEmpty()) {
            String id = q.poll();
            if (seen.add(id)) {
                q.addAll(blocks.get(id).parents());
            }
        }
        return seen;
    }

    private ObjectNode readFrom(Map<String, RevisionTree> t, String rootId) {
        Map<String, List<JsonNode>> orderCache = new HashMap<>();
        return Flattener.unflatten(rootId, new Flattener.Source() {
            @Override
            public ObjectNode live(String id) {
                RevisionTree tree = t.get(id);
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
                return t.containsKey(id);
            }
        });
    }

    /** The raw stored content of a revision (descriptor patches as stored, deletes as {@code {"_deleted":true}}). */
    private ObjectNode content(Revision r, String where) {
        String d = r.digest();
        switch (d) {
            case Revision.DELETED:
                return NODES.objectNode().put("_deleted", true);
            case Revision.RESOLVED:
                return NODES.objectNode().put("_resolved", true);
            case Revision.EMPTY:
                return NODES.objectNode();
            default:
                break;
        }
        if (isCharcode(d)) {
            return NODES.objectNode().put("#", d);
        }
        ObjectNode p = parsed.get(d);
        if (p == null) {
            byte[] b = objects.get(d);
            if (b == null) {
                throw new CorruptDataException("cannot read object " + d + " (revision " + r + " of " + where + "): not in any loaded pack");
            }
            p = CanonicalJson.parseObject(b);
            parsed.put(d, p);
        }
        return p.deepCopy();
    }

    /** The order at {@code rev} following only its own ancestry (spec rebuild_array_order). */
    private List<JsonNode> rebuild(RevisionTree tree, Revision rev, Map<String, List<JsonNode>> cache) {
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
    private List<JsonNode> mergedOrder(RevisionTree tree, Revision base, Map<String, List<JsonNode>> cache) {
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

    // ------------------------------------------------------------------ conflicts and resolve

    /** Objects with more than one leaf, sorted by uuid. */
    public List<Conflict> conflicts() {
        List<Conflict> out = new ArrayList<>();
        for (Map.Entry<String, RevisionTree> e : trees.entrySet()) {
            RevisionTree t = e.getValue();
            if (!t.inConflict()) {
                continue;
            }
            Revision w = t.winner();
            List<Conflict.Leaf> others = new ArrayList<>();
            List<Revision> leaves = new ArrayList<>(t.leaves());
            leaves.sort(Comparator.comparing(Revision::toString, CanonicalJson.KEY_ORDER));
            for (Revision l : leaves) {
                if (!l.equals(w)) {
                    others.add(new Conflict.Leaf(l, content(l, e.getKey())));
                }
            }
            out.add(new Conflict(e.getKey(), new Conflict.Leaf(w, content(w, e.getKey())), others));
        }
        return out;
    }

    /** Resolves every conflict to its current winner (staged; commit afterwards). */
    public List<Resolution> resolveAll() {
        List<Resolution> out = new ArrayList<>();
        for (Conflict c : conflicts()) {
            out.add(resolve(c.uuid(), c.winner().revision().toString()));
        }
        return out;
    }

    /**
     * Resolves one object to a chosen leaf (the winner or one of the conflicting leaves): the chosen content (for
     * a descriptor, its merged order) becomes a child of the winner and every other leaf gets an {@code r}
     * tombstone. Staged; commit afterwards.
     *
     * @throws UnknownObjectException if the object is unknown
     * @throws InvalidRevisionException if the object has no conflict or {@code revision} is not one of its leaves
     */
    public Resolution resolve(String uuid, String revision) {
        RevisionTree tree = tree(uuid);
        if (!tree.inConflict()) {
            throw new InvalidRevisionException(uuid + " has no conflicts");
        }
        Revision chosen = tree.get(revision);
        if (chosen == null || !tree.leaves().contains(chosen)) {
            throw new InvalidRevisionException(revision + " not a valid winner");
        }
        return resolveAs(uuid, chosen);
    }

    /** Resolves an array descriptor with several leaves to its merged order (on top of the winner), if it has them. */
    private void resolveConflictingDescriptor(String id) {
        RevisionTree tree = trees.get(id);
        if (tree != null && tree.inConflict()) {
            List<Revision> leaves = tree.leaves();
            Revision w = tree.winner();
            resolveAs(id, leaves.contains(w) ? w : leaves.get(leaves.size() - 1));
        }
    }

    private Resolution resolveAs(String uuid, Revision chosen) {
        RevisionTree tree = trees.get(uuid);
        Revision previous = tree.winner();
        if (chosen.isDeleted()) {
            delete(uuid);
        } else if (uuid.startsWith("^")) {
            ObjectNode c = NODES.objectNode();
            ArrayNode a = c.putArray("A");
            mergedOrder(tree, chosen, new HashMap<>()).forEach(a::add);
            updateObject(uuid, c);
        } else {
            updateObject(uuid, content(chosen, uuid));
        }
        Revision w = tree.winner();
        for (Revision l : tree.leaves()) {
            if (!l.equals(w)) {
                stage(uuid, tree, Revision.childOf(l, Revision.RESOLVED), l.toString());
            }
        }
        return new Resolution(uuid, w, previous);
    }

    // ------------------------------------------------------------------ history and values

    private RevisionTree tree(String uuid) {
        RevisionTree t = trees.get(uuid);
        if (t == null) {
            throw new UnknownObjectException("Invalid object " + uuid);
        }
        return t;
    }

    /** The winning revision of an object. */
    public Revision winner(String uuid) {
        return tree(uuid).winner();
    }

    /** Leaves of an object in ascending revision order. */
    public List<Revision> leaves(String uuid) {
        return tree(uuid).leaves();
    }

    /** The winner, then each parent revision down to the first (as libmelda-tools' {@code history}). */
    public List<Revision> history(String uuid) {
        RevisionTree t = tree(uuid);
        List<Revision> out = new ArrayList<>();
        Set<Revision> seen = new HashSet<>();
        for (Revision r = t.winner(); r != null && seen.add(r); r = t.parent(r)) {
            out.add(r);
        }
        return out;
    }

    /** The raw stored content at the winner. */
    public JsonNode value(String uuid) {
        return content(tree(uuid).winner(), uuid);
    }

    /**
     * The raw stored content at {@code revision}.
     *
     * @throws InvalidRevisionException if the object has no such revision
     */
    public JsonNode value(String uuid, String revision) {
        RevisionTree t = tree(uuid);
        Revision r = revision == null ? t.winner() : t.get(revision);
        if (r == null) {
            throw new InvalidRevisionException("Invalid object " + uuid + " revision " + revision);
        }
        return content(r, uuid);
    }

    /** Ids of all tracked objects (descriptors included), sorted by UTF-8 order. */
    public List<String> objectIds() {
        return new ArrayList<>(trees.keySet());
    }

    // ------------------------------------------------------------------ log

    /** Blocks breadth-first from the anchors (sorted), each once. */
    public List<LogEntry> log() {
        return log(anchors(), Set.copyOf(anchors()));
    }

    /** Blocks breadth-first from {@code blockId}, with the state limited to it (it is the only anchor). */
    public List<LogEntry> log(String blockId) {
        ancestors(blockId);
        return log(List.of(blockId), Set.of(blockId));
    }

    private List<LogEntry> log(List<String> start, Set<String> anchorSet) {
        List<LogEntry> out = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        Deque<String> q = new ArrayDeque<>(start);
        while (!q.isEmpty()) {
            String id = q.poll();
            if (!seen.add(id)) {
                continue;
            }
            DeltaBlock b = blocks.get(id);
            char marker = anchorSet.contains(id) ? 'A' : b.isOrigin() ? 'O' : '-';
            out.add(new LogEntry(id, marker, b.info(), b.packs(), b.parents()));
            for (String p : new TreeSet<>(b.parents())) {
                if (!seen.contains(p)) {
                    q.add(p);
                }
            }
        }
        return out;
    }
}
