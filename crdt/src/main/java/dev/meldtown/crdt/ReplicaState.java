package dev.meldtown.crdt;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meldtown.crdt.internal.DocumentReader;
import dev.meldtown.crdt.internal.DocumentState;
import dev.meldtown.crdt.internal.Flattener;
import dev.meldtown.crdt.internal.Hashes;
import dev.meldtown.crdt.internal.ObjectStore;
import dev.meldtown.crdt.internal.Patches;
import dev.meldtown.crdt.internal.RevisionTree;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * The materialized state of a replica, what a read needs and nothing of the history (issue 14, item 3): for every
 * object its winning revision, its leaves (more than one: a conflict) and the stored content of those revisions; for
 * an array descriptor also the order each of those revisions rebuilds to (spec {@code rebuild_array_order}). Its size
 * follows the document, not the number of blocks. {@link #read()}, {@link #conflicts()} and {@link #value} at a winner
 * or a leaf answer exactly as a {@link Replica} replaying the whole history; {@code log}, {@code history} and values
 * of superseded revisions need the history and are not answered here.
 *
 * <p>{@link #catchUp} applies blocks stored after the state was captured. It is self-checking: a change it cannot
 * decide without the history (a revision that is not a child of a current leaf, which may be a duplicate of a
 * superseded revision, or that names an object stored only in an older pack) is not guessed at: the outcome asks for
 * a full replay, and this state must then be discarded. Not thread-safe.
 */
public final class ReplicaState {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    /** The state of one object: winner, leaves (ascending), and for descriptors the order at each of them. */
    private static final class Entry {
        Revision winner;
        final TreeSet<Revision> leaves = new TreeSet<>();
        Map<String, List<JsonNode>> orders; // descriptors only: revision text -> rebuilt order

        Entry copy() {
            Entry e = new Entry();
            e.winner = winner;
            e.leaves.addAll(leaves);
            if (orders != null) {
                e.orders = new HashMap<>();
                orders.forEach((k, v) -> e.orders.put(k, List.copyOf(v)));
            }
            return e;
        }
    }

    /** What {@link #catchUp} did. */
    public record CatchUp(List<String> applied, Map<String, String> pending, String replayBecause) {
        /** Whether this state cannot answer any more and a full replay is needed (the reason is {@link #replayBecause}). */
        public boolean needsReplay() {
            return replayBecause != null;
        }
    }

    private final TreeMap<String, Entry> objects = new TreeMap<>(CanonicalJson.KEY_ORDER);
    private final Map<String, byte[]> contents = new TreeMap<>();
    private final ObjectStore store = new ObjectStore(null);
    private final Set<String> applied = new HashSet<>();
    private String broken;

    private ReplicaState() {
    }

    /**
     * The materialized state of a loaded replica (what a checkpoint of it holds).
     *
     * @throws IllegalStateException if the replica has staged changes
     */
    public static ReplicaState of(Replica replica) {
        return replica.materialize();
    }

    static ReplicaState of(DocumentState state, DocumentReader reader, ObjectStore objectStore, List<String> anchors) {
        ReplicaState s = new ReplicaState();
        for (String id : state.ids()) {
            RevisionTree tree = state.get(id);
            Entry e = new Entry();
            e.winner = tree.winner();
            e.leaves.addAll(tree.leaves());
            Set<Revision> kept = new TreeSet<>(e.leaves);
            kept.add(e.winner);
            if (id.startsWith("^")) {
                e.orders = new HashMap<>();
                Map<String, List<JsonNode>> cache = new HashMap<>();
                for (Revision r : kept) {
                    e.orders.put(r.toString(), List.copyOf(reader.rebuild(tree, r, cache)));
                }
            }
            for (Revision r : kept) {
                byte[] b = objectStore.bytes(r.digest());
                if (b != null) {
                    s.contents.put(r.digest(), b);
                }
            }
            s.objects.put(id, e);
        }
        s.store.putAll(s.contents);
        s.applied.addAll(anchors);
        return s;
    }

    /** A deep copy (what {@link Checkpoint#state()} hands out, so a checkpoint is never changed). */
    ReplicaState copy() {
        ReplicaState s = new ReplicaState();
        objects.forEach((id, e) -> s.objects.put(id, e.copy()));
        s.contents.putAll(contents);
        s.store.putAll(contents);
        s.applied.addAll(applied);
        s.broken = broken;
        return s;
    }

    // ------------------------------------------------------------------ reading

    /** The document rooted at {@code √}, as {@link Replica#read()} gives it; {@code {}} for an empty replica. */
    public ObjectNode read() {
        check();
        return Flattener.unflatten(Replica.ROOT_ID, new Flattener.Source() {
            @Override
            public ObjectNode live(String id) {
                Entry e = objects.get(id);
                Revision w = e == null ? null : e.winner;
                if (w == null || w.isDeleted() || w.isResolved()) {
                    return null;
                }
                if (id.startsWith("^")) {
                    ObjectNode d = NODES.objectNode();
                    ArrayNode a = d.putArray("A");
                    mergedOrder(e, w).forEach(a::add);
                    return d;
                }
                return store.content(w, id);
            }

            @Override
            public boolean known(String id) {
                return objects.containsKey(id);
            }
        });
    }

    /** As {@link Replica#conflicts()}. */
    public List<Conflict> conflicts() {
        check();
        List<Conflict> out = new ArrayList<>();
        objects.forEach((id, e) -> {
            if (e.leaves.size() > 1) {
                List<Conflict.Leaf> others = new ArrayList<>();
                List<Revision> leaves = new ArrayList<>(e.leaves);
                leaves.sort(Comparator.comparing(Revision::toString, CanonicalJson.KEY_ORDER));
                for (Revision l : leaves) {
                    if (!l.equals(e.winner)) {
                        others.add(new Conflict.Leaf(l, store.content(l, id)));
                    }
                }
                out.add(new Conflict(id, new Conflict.Leaf(e.winner, store.content(e.winner, id)), others));
            }
        });
        return out;
    }

    /**
     * As {@link Replica#value(String, String)} when the state holds the revision (null: the winner; a leaf); empty for
     * any other revision, which only the history can answer (a superseded one, or none at all).
     *
     * @throws UnknownObjectException if the object is unknown
     */
    public Optional<JsonNode> value(String uuid, String revision) {
        check();
        Entry e = objects.get(uuid);
        if (e == null) {
            throw new UnknownObjectException("Invalid object " + uuid);
        }
        if (revision == null) {
            return Optional.of(store.content(e.winner, uuid));
        }
        for (Revision r : e.leaves) {
            if (r.toString().equals(revision)) {
                return Optional.of(store.content(r, uuid));
            }
        }
        return e.winner.toString().equals(revision) ? Optional.of(store.content(e.winner, uuid)) : Optional.empty();
    }

    /** Ids of all tracked objects, as {@link Replica#objectIds()}. */
    public List<String> objectIds() {
        return new ArrayList<>(objects.keySet());
    }

    /** Blocks this state holds: the anchors it was captured at and the blocks {@link #catchUp} applied since. */
    public boolean covers(String block) {
        return applied.contains(block);
    }

    private List<JsonNode> mergedOrder(Entry e, Revision base) {
        List<JsonNode> order = new ArrayList<>(e.orders.get(base.toString()));
        if (e.leaves.size() <= 1) {
            return order;
        }
        for (Revision l : e.leaves) {
            Patches.merge(new ArrayList<>(e.orders.get(l.toString())), order);
        }
        return order;
    }

    private void check() {
        if (broken != null) {
            throw new IllegalStateException("this state needs a full replay: " + broken);
        }
    }

    // ------------------------------------------------------------------ catching up

    /**
     * Applies the {@code candidates} stored in {@code storage} after this state was captured (blocks it already holds
     * are skipped). A block is applied once its packs load and each parent is held here, applied in this call, or
     * {@code olderStored} (a block stored before the capture, hence in the state; the caller knows, e.g. by probing
     * the storage); otherwise it stays pending, as a full replay would leave it unapplied. When a change cannot be
     * decided without the history, the outcome says so and this state must not be used again.
     */
    public CatchUp catchUp(ReplicaStorage storage, Collection<String> candidates, Predicate<String> olderStored) {
        check();
        Map<String, DeltaBlock> loaded = new LinkedHashMap<>();
        Map<String, String> pending = new TreeMap<>();
        for (String id : new TreeSet<>(candidates)) {
            if (applied.contains(id)) {
                continue;
            }
            try {
                loaded.put(id, DeltaBlock.parse(id, storage.read(id + ".delta")));
            } catch (MissingKeyException e) {
                pending.put(id, "missing block");
            } catch (MeldaException e) {
                pending.put(id, "corrupt block: " + e.getMessage());
            }
        }
        ObjectStore packs = new ObjectStore(storage);
        Map<String, Boolean> older = new HashMap<>();
        List<String> done = new ArrayList<>();
        boolean progress = true;
        while (progress) {
            progress = false;
            for (DeltaBlock b : List.copyOf(loaded.values())) {
                String why = null;
                boolean waiting = false;
                for (String p : b.parents()) {
                    if (applied.contains(p)) {
                        continue;
                    }
                    if (loaded.containsKey(p)) {
                        waiting = true;
                    } else if (pending.containsKey(p) || !older.computeIfAbsent(p, olderStored::test)) {
                        why = pending.containsKey(p) ? "invalid parent " + p : "missing parent " + p;
                    }
                }
                if (why == null && waiting) {
                    continue;
                }
                if (why == null) {
                    for (String pack : b.packs()) {
                        String err = packs.loadPack(pack, null);
                        if (err != null) {
                            why = err;
                            break;
                        }
                    }
                }
                loaded.remove(b.id());
                progress = true;
                if (why != null) {
                    pending.put(b.id(), why);
                    continue;
                }
                packs.publish(b);
                String undecided = apply(b, packs);
                if (undecided != null) {
                    broken = undecided;
                    return new CatchUp(done, pending, undecided);
                }
                applied.add(b.id());
                done.add(b.id());
            }
        }
        loaded.keySet().forEach(id -> pending.put(id, "cycle in parents"));
        return new CatchUp(done, pending, null);
    }

    /** Adds a block's revisions; returns null, or why the change cannot be decided without the history. */
    private String apply(DeltaBlock b, ObjectStore packs) {
        for (DeltaBlock.Change c : b.changes()) {
            Revision r = c.revision();
            String uuid = c.uuid();
            Entry e = objects.get(uuid);
            if (e != null && (r.equals(e.winner) || e.leaves.contains(r))) {
                continue; // already held: adding a revision is idempotent
            }
            String why = need(r, packs, b);
            if (why != null) {
                return why;
            }
            Revision parent = null;
            if (e == null) {
                e = new Entry();
                e.winner = r;
                if (uuid.startsWith("^")) {
                    e.orders = new HashMap<>();
                }
                objects.put(uuid, e);
            } else {
                if (c.parent() == null) {
                    return "block " + b.id() + " creates " + uuid + " again (" + r + ")";
                }
                parent = e.leaves.stream().filter(l -> l.toString().equals(c.parent())).findFirst().orElse(null);
                if (parent == null) {
                    return "block " + b.id() + " changes " + uuid + " from " + c.parent() + ", not a current leaf";
                }
                e.leaves.remove(parent);
                if (r.compareTo(e.winner) > 0) {
                    e.winner = r;
                }
            }
            if (!r.isResolved()) {
                e.leaves.add(r);
            }
            if (e.orders != null) {
                e.orders.put(r.toString(), order(e, r, parent, uuid));
                Entry entry = e;
                e.orders.keySet().removeIf(k -> !k.equals(entry.winner.toString()) && entry.leaves.stream().noneMatch(l -> l.toString().equals(k)));
            }
        }
        return null;
    }

    /** Makes the content of {@code r} readable here; returns why it cannot be, or null. */
    private String need(Revision r, ObjectStore packs, DeltaBlock b) {
        String d = r.digest();
        if (r.isDeleted() || r.isResolved() || Revision.EMPTY.equals(d) || ObjectStore.isCharcode(d) || contents.containsKey(d)) {
            return null;
        }
        byte[] bytes = packs.bytes(d);
        if (bytes == null) {
            return "block " + b.id() + " names object " + d + ", stored in none of its packs (an older pack holds it)";
        }
        contents.put(d, bytes);
        store.putAll(Map.of(d, bytes));
        return null;
    }

    /** The order {@code r} rebuilds to: its full order, or its patch on the parent's (a current leaf, or none). */
    private List<JsonNode> order(Entry e, Revision r, Revision parent, String uuid) {
        List<JsonNode> order = new ArrayList<>();
        if (r.isDeleted() || r.isResolved()) {
            return order;
        }
        ObjectNode c = store.content(r, "array descriptor");
        JsonNode full = c.get("A");
        if (full != null) {
            if (!full.isArray()) {
                throw new CorruptDataException("descriptor revision " + r + " has a non-array \"A\"");
            }
            full.forEach(order::add);
            return order;
        }
        JsonNode patch = c.get("a");
        if (patch == null) {
            throw new CorruptDataException("revision " + r + " is not an array descriptor revision: " + c);
        }
        if (parent != null && !parent.isDeleted() && !parent.isResolved()) {
            order.addAll(e.orders.get(parent.toString()));
        }
        Patches.apply(order, patch, "descriptor revision " + r + " of " + uuid);
        return order;
    }

    // ------------------------------------------------------------------ format (inside a Checkpoint)

    ObjectNode toJson() {
        ObjectNode root = NODES.objectNode();
        ObjectNode os = root.putObject("objects");
        objects.forEach((id, e) -> {
            ObjectNode o = os.putObject(id);
            o.put("w", e.winner.toString());
            if (!(e.leaves.size() == 1 && e.leaves.first().equals(e.winner))) {
                ArrayNode l = o.putArray("l");
                e.leaves.forEach(r -> l.add(r.toString()));
            }
            if (e.orders != null) {
                ObjectNode ord = o.putObject("o");
                new TreeMap<>(e.orders).forEach((rev, list) -> ord.putArray(rev).addAll(list));
            }
        });
        ObjectNode cs = root.putObject("contents");
        ObjectNode cs64 = root.putObject("contents64");
        contents.forEach((digest, bytes) -> {
            String text = new String(bytes, StandardCharsets.UTF_8);
            if (Arrays.equals(text.getBytes(StandardCharsets.UTF_8), bytes)) {
                cs.put(digest, text);
            } else {
                cs64.put(digest, Base64.getEncoder().encodeToString(bytes));
            }
        });
        return root;
    }

    /**
     * A checkpoint's content, checked against its name: objects are named by the SHA-256 of their bytes, as in a pack,
     * so a checkpoint damaged in storage is refused (its readers replay) instead of served.
     */
    private static byte[] verified(String digest, byte[] bytes) {
        if (!Hashes.sha256Hex(bytes).equals(digest)) {
            throw new CorruptDataException("checkpoint content " + digest + " does not match its SHA-256");
        }
        return bytes;
    }

    static ReplicaState fromJson(JsonNode root, List<String> anchors) {
        if (!root.path("objects").isObject() || !root.path("contents").isObject()) {
            throw new CorruptDataException("incomplete checkpoint state");
        }
        ReplicaState s = new ReplicaState();
        try {
            root.get("objects").fields().forEachRemaining(f -> {
                JsonNode o = f.getValue();
                Entry e = new Entry();
                e.winner = Revision.parse(o.path("w").asText(null));
                if (o.has("l")) {
                    o.get("l").forEach(l -> e.leaves.add(Revision.parse(l.asText())));
                } else {
                    e.leaves.add(e.winner);
                }
                if (o.has("o")) {
                    e.orders = new HashMap<>();
                    o.get("o").fields().forEachRemaining(r -> {
                        List<JsonNode> list = new ArrayList<>();
                        r.getValue().forEach(list::add);
                        e.orders.put(r.getKey(), List.copyOf(list));
                    });
                    Set<Revision> kept = new TreeSet<>(e.leaves);
                    kept.add(e.winner);
                    for (Revision r : kept) {
                        if (!e.orders.containsKey(r.toString())) {
                            throw new CorruptDataException("checkpoint lacks the order of " + f.getKey() + " at " + r);
                        }
                    }
                } else if (f.getKey().startsWith("^")) {
                    throw new CorruptDataException("checkpoint lacks the orders of " + f.getKey());
                }
                s.objects.put(f.getKey(), e);
            });
        } catch (InvalidRevisionException e) {
            throw new CorruptDataException("checkpoint names an invalid revision: " + e.getMessage());
        }
        root.get("contents").fields().forEachRemaining(f -> s.contents.put(f.getKey(), verified(f.getKey(), f.getValue().asText().getBytes(StandardCharsets.UTF_8))));
        root.path("contents64").fields().forEachRemaining(f -> {
            byte[] bytes;
            try {
                bytes = Base64.getDecoder().decode(f.getValue().asText());
            } catch (IllegalArgumentException e) {
                throw new CorruptDataException("checkpoint content " + f.getKey() + " is not base64: " + e.getMessage());
            }
            s.contents.put(f.getKey(), verified(f.getKey(), bytes));
        });
        s.store.putAll(s.contents);
        s.applied.addAll(anchors);
        return s;
    }
}
