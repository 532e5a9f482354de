package dev.meldtown.crdt;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meldtown.crdt.internal.BlockGraph;
import dev.meldtown.crdt.internal.Conflicts;
import dev.meldtown.crdt.internal.DocumentReader;
import dev.meldtown.crdt.internal.DocumentState;
import dev.meldtown.crdt.internal.Flattener;
import dev.meldtown.crdt.internal.Loader;
import dev.meldtown.crdt.internal.Meld;
import dev.meldtown.crdt.internal.ObjectStore;
import dev.meldtown.crdt.internal.Staging;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.Set;
import java.util.TreeMap;

/**
 * A Melda replica (format generation C, what libmelda-tools 0.2.0 reads and writes) over a {@link ReplicaStorage}.
 *
 * <p>Typical use: {@code open}, {@link #update} with the whole new document, {@link #commit}; {@link #meld} to
 * pull another replica's files; {@link #read} to get the merged document. Not thread-safe: one writer per
 * instance (the storage itself is safe to share, files being immutable).
 *
 * <p>A facade over the concerns in {@code dev.meldtown.crdt.internal}, each owning its collections and stating its
 * invariants: {@code BlockGraph} (blocks, applied, anchors), {@code ObjectStore} (packs and objects),
 * {@code DocumentState} (revision trees), {@code Loader} (refresh), {@code Staging} (update and commit),
 * {@code DocumentReader} (read and merged order) and {@code Conflicts} (conflicts and resolve).
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
    private final BlockGraph graph = new BlockGraph();
    private final ObjectStore store;
    private final DocumentState state = new DocumentState();
    private final DocumentReader reader;
    private final Staging staging;
    private final Conflicts conflicts;
    private final Loader loader;
    private final Meld meld;
    private DocumentLimits limits = DocumentLimits.DEFAULT;

    private Replica(ReplicaStorage storage) {
        this.storage = storage;
        this.store = new ObjectStore(storage);
        this.reader = new DocumentReader(store);
        this.staging = new Staging(storage, state, store, reader);
        this.conflicts = new Conflicts(state, reader, staging);
        this.loader = new Loader(storage, graph, store, state);
        this.meld = new Meld(storage, graph, store, loader);
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
        this.limits = Objects.requireNonNull(limits, "limits");
        return this;
    }

    // ------------------------------------------------------------------ loading

    /**
     * Loads blocks not yet applied: checks each block's hash and its packs, skips and reports invalid ones, and
     * retries those that were waiting for a pack or a parent.
     */
    public RefreshReport refresh() {
        return loader.refresh();
    }

    /**
     * Loads the named blocks without listing the storage, for callers that know what was just stored (a meld of
     * announced blocks): the cost follows the new blocks, not the history. Blocks waiting for a pack are retried
     * too. When a named block is not stored, or a parent of one is neither applied nor named, blocks were stored
     * that this replica has not seen: it falls back to {@link #refresh()}, which lists.
     */
    public RefreshReport refresh(Collection<String> added) {
        return loader.refresh(added);
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
        graph.corrupt().forEach((id, why) -> out.put(id + ".delta", why));
        store.corruptPacks().forEach((hash, why) -> out.put(hash + ".pack", why));
        return out;
    }

    /** Blocks present in storage but not applied, with the reason. */
    public Map<String, String> invalidBlocks() {
        return graph.invalidBlocks();
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
        int before = staging.count();
        staging.deleteAllBut(flat.keySet());
        staging.prepare(flat);
        try {
            for (Map.Entry<String, ObjectNode> e : flat.entrySet()) {
                if (e.getKey().startsWith("^")) {
                    // The caller edited the merged order that read showed: resolve to it first, then diff against it.
                    // Diffing against the winner's own order and merging the other leaves back in at commit re-added
                    // elements the caller had moved elsewhere (found by fuzzing the replica target).
                    conflicts.resolveDescriptor(e.getKey());
                }
                staging.updateObject(e.getKey(), e.getValue());
            }
        } finally {
            staging.clearPrepared();
        }
        return staging.count() != before;
    }

    /** Convenience: {@link #update(ObjectNode)} from JSON text (parsed within {@link #limits()}). */
    public boolean update(String json) {
        JsonNode n = limits.parse(json);
        if (!n.isObject()) {
            throw new InvalidDocumentException("document must be a JSON object");
        }
        return update((ObjectNode) n);
    }

    /** Whether there are staged changes to commit. */
    public boolean hasStagedChanges() {
        return !staging.isEmpty();
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
        return commitWith(info, block -> { });
    }

    private Optional<String> commitWith(ObjectNode info, Consumer<DeltaBlock> beforeStored) {
        if (staging.isEmpty()) {
            return Optional.empty();
        }
        if (info != null) {
            limits.check(info);
        }
        conflicts.resolveDescriptors();
        Staging.Committed c = staging.commit(info, graph.anchors(), beforeStored);
        if (c.pack() != null) {
            store.addPack(c.pack(), c.index());
        }
        graph.addApplied(c.block());
        return Optional.of(c.block().id());
    }

    /** Commit with the CLI's information object (only the non-null keys; no info if both are null). */
    public Optional<String> commit(String author, String description) {
        return commit(author, description, block -> { });
    }

    /** Commit with the CLI's information object, and {@code beforeStored} as in {@link #commit(String, String, Consumer)}. */
    public Optional<String> commit(String author, String description, Consumer<DeltaBlock> beforeStored) {
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
        return commitWith(info, beforeStored);
    }

    /** Applied blocks not named as parent by another applied block, sorted. */
    public List<String> anchors() {
        return graph.anchors();
    }

    /** Ids of all applied blocks: a read-only view (it grows as the replica refreshes and commits). */
    public Set<String> appliedBlocks() {
        return graph.appliedIds();
    }

    /** A parsed block by id. */
    public DeltaBlock block(String id) {
        return graph.block(id);
    }

    // ------------------------------------------------------------------ checkpoints (see Checkpoint, ReplicaState)

    /** The materialized state of the committed replica (package-private: {@link Checkpoint} captures it). */
    ReplicaState materialize() {
        if (hasStagedChanges()) {
            throw new IllegalStateException("cannot capture a replica with staged changes");
        }
        return ReplicaState.of(state, reader, store, anchors());
    }

    // ------------------------------------------------------------------ meld

    /**
     * Copies every pack, index and delta of {@code source} missing from {@code target} (packs first), with the
     * storage's own copy (server-side where both are of a kind): a meld between two replicas nobody has loaded.
     */
    public static List<String> copyMissing(ReplicaStorage source, ReplicaStorage target) {
        return Meld.copyMissing(source, target);
    }

    /**
     * Brings every file {@code source} has and this replica lacks (a set union of immutable files; both are listed)
     * and applies them from the bytes moved, with any block of this replica's storage it had not seen.
     */
    public MeldResult meld(ReplicaStorage source) {
        return source == storage ? MeldResult.nothing() : meld.all(source);
    }

    /**
     * Brings the named blocks of {@code source} (announced ones, say) with the packs and indexes they need: each
     * file is read once from the source, written here (write-once) and applied from those bytes, so the cost follows
     * the new blocks, not the history. When a named block has a parent that is neither applied here nor named, this
     * is {@link #meld(ReplicaStorage)}. Blocks already applied here cost nothing.
     *
     * @throws MissingKeyException if the source lacks a named block or a pack it needs (then nothing is written)
     */
    public MeldResult meld(ReplicaStorage source, Collection<String> blocks) {
        return source == storage ? MeldResult.nothing() : meld.blocks(source, blocks);
    }

    /**
     * As {@link #meld(ReplicaStorage, Collection)} from a loaded replica: what it holds in memory (its blocks, the
     * packs it loaded and their indexes) is not read from its storage again. A replica never melds into itself.
     */
    public MeldResult meld(Replica source, Collection<String> blocks) {
        if (source == this || source.storage == storage) {
            return MeldResult.nothing();
        }
        return meld.blocks(Meld.loaded(source.storage, source.graph, source.store), blocks);
    }

    /**
     * Writes the blocks reachable from {@code tips} that {@code target} lacks, with the packs and indexes they need,
     * into {@code target}: a replica's storage nobody has loaded, known to hold only blocks this replica has (a
     * fan-out). Packs first, write-once, from memory where this replica holds the bytes. {@code present} names the
     * files {@code target} is known to hold: the walk back from the tips stops at a block whose delta is present (its
     * ancestors are taken to be there too), and present packs and indexes are not written. Nothing is applied
     * anywhere; this replica never writes into its own storage.
     *
     * @throws IllegalArgumentException if a block the walk reaches is not applied here
     * @throws MissingKeyException if a pack a copied block needs cannot be read (no delta is written then)
     */
    public MeldResult copyInto(ReplicaStorage target, Collection<String> tips, java.util.function.Predicate<String> present) {
        if (target == storage) {
            return MeldResult.nothing();
        }
        return Meld.copyInto(Meld.loaded(storage, graph, store), graph, target, tips, present);
    }

    // ------------------------------------------------------------------ reading

    /** The document rooted at {@code √}, including staged changes; {@code {}} for an empty replica. */
    public ObjectNode read() {
        return read(ROOT_ID);
    }

    /** The document rooted at the object {@code rootId}. */
    public ObjectNode read(String rootId) {
        return reader.read(state, rootId);
    }

    /** The document as of {@code blockId}: that block and its ancestors only (no staged changes). */
    public ObjectNode readAt(String blockId) {
        List<DeltaBlock> until = new ArrayList<>();
        for (String id : graph.ancestors(blockId)) {
            until.add(graph.get(id));
        }
        return reader.read(DocumentState.of(until), ROOT_ID);
    }

    // ------------------------------------------------------------------ conflicts and resolve

    /** Objects with more than one leaf, sorted by uuid. */
    public List<Conflict> conflicts() {
        return conflicts.list();
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
        return conflicts.resolve(uuid, revision);
    }

    // ------------------------------------------------------------------ history and values

    /** The winning revision of an object. */
    public Revision winner(String uuid) {
        return state.tree(uuid).winner();
    }

    /** Leaves of an object in ascending revision order. */
    public List<Revision> leaves(String uuid) {
        return state.tree(uuid).leaves();
    }

    /** The winner, then each parent revision down to the first (as libmelda-tools' {@code history}). */
    public List<Revision> history(String uuid) {
        return state.history(uuid);
    }

    /** The raw stored content at the winner. */
    public JsonNode value(String uuid) {
        return reader.value(state, uuid, null);
    }

    /**
     * The raw stored content at {@code revision}.
     *
     * @throws InvalidRevisionException if the object has no such revision
     */
    public JsonNode value(String uuid, String revision) {
        return reader.value(state, uuid, revision);
    }

    /** Ids of all tracked objects (descriptors included), sorted by UTF-8 order. */
    public List<String> objectIds() {
        return state.ids();
    }

    // ------------------------------------------------------------------ log

    /** Blocks breadth-first from the anchors (sorted), each once. */
    public List<LogEntry> log() {
        List<String> anchors = anchors();
        return graph.log(anchors, Set.copyOf(anchors));
    }

    /** Blocks breadth-first from {@code blockId}, with the state limited to it (it is the only anchor). */
    public List<LogEntry> log(String blockId) {
        graph.ancestors(blockId);
        return graph.log(List.of(blockId), Set.of(blockId));
    }
}
