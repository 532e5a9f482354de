package dev.meldtown.crdt.internal;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meldtown.crdt.CanonicalJson;
import dev.meldtown.crdt.CorruptDataException;
import dev.meldtown.crdt.DeltaBlock;
import dev.meldtown.crdt.MissingKeyException;
import dev.meldtown.crdt.ReplicaStorage;
import dev.meldtown.crdt.Revision;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * The object store of one replica (compare automerge's {@code storage/load}): the packs read from storage and
 * the objects (revision contents) they hold, by digest.
 *
 * <p>Invariants:
 * <ul>
 *   <li>{@code packs} holds only packs that parsed and hashed to their name; a pack that did not is in
 *       {@code corruptPacks} instead (with the reason) and is read again on the next attempt;</li>
 *   <li>{@code objects} maps a digest to the exact stored bytes of that object. An object of a loaded pack enters it
 *       only when a block naming that pack is applied ({@link #publish}), so new commits never lean on a pack no
 *       valid block uses; objects staged by an update enter it at once ({@link #stage}) and are committed in the
 *       next pack;</li>
 *   <li>{@code parsed} caches the parsed form of entries of {@code objects} (never handed out: callers get
 *       copies).</li>
 * </ul>
 */
public final class ObjectStore {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final ReplicaStorage storage;
    private final Map<String, Pack> packs = new HashMap<>();
    private final Map<String, byte[]> indexes = new HashMap<>(); // stored .index content of loaded packs that have one
    private final Map<String, String> corruptPacks = new TreeMap<>();
    private final Map<String, byte[]> objects = new HashMap<>();
    private final Map<String, ObjectNode> parsed = new HashMap<>();
    private final Set<String> unhashed = new HashSet<>(); // objects whose bytes were not hashed here (a checkpoint's)

    public ObjectStore(ReplicaStorage storage) {
        this.storage = storage;
    }

    /**
     * Loads a pack if needed; returns null on success or the reason it cannot be used. {@code hasIndex} says which
     * packs have an {@code .index} (from a listing); null probes for it.
     */
    public String loadPack(String hash, Predicate<String> hasIndex) {
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
        return offer(hash, bytes, index);
    }

    /**
     * Loads a pack from bytes in hand (a meld moved them): verified like a stored one. Returns null on success or the
     * reason it cannot be used.
     *
     * @param index the pack's {@code .index} content, or null when it has none
     */
    public String offer(String hash, byte[] bytes, byte[] index) {
        if (packs.containsKey(hash)) {
            return null;
        }
        try {
            packs.put(hash, Pack.parse(hash, bytes, index));
            corruptPacks.remove(hash);
            if (index != null) {
                indexes.put(hash, index);
            }
            return null;
        } catch (CorruptDataException e) {
            corruptPacks.put(hash, e.getMessage());
            return "invalid pack " + hash + ": " + e.getMessage();
        }
    }

    /**
     * The stored content of a pack file this store holds in memory ({@code <hash>.pack}, {@code <hash>.index}), so
     * a meld out of this replica need not read it again: a loaded pack's bytes, its index as stored, or, for a pack
     * known to have no index, {@link Optional#empty()} wrapped as {@code Optional.of(empty)}. Null when this store
     * does not hold the pack (a checkpoint's objects come without their packs): read the storage.
     */
    public Optional<byte[]> file(String hash, String suffix) {
        Pack pack = packs.get(hash);
        if (pack == null) {
            return null;
        }
        return ".pack".equals(suffix) ? Optional.of(pack.bytes()) : Optional.ofNullable(indexes.get(hash));
    }

    /** Makes the objects of an applied block's packs (all loaded) readable. */
    public void publish(DeltaBlock block) {
        for (String p : block.packs()) {
            packs.get(p).objects().forEach(objects::putIfAbsent);
        }
    }

    /** Records a pack this replica just wrote with its index (null if none; its objects were staged already). */
    public void addPack(Pack pack, byte[] index) {
        packs.put(pack.hash(), pack);
        if (index != null) {
            indexes.put(pack.hash(), index);
        }
    }

    /** Whether an object is known (stored or staged). */
    public boolean contains(String digest) {
        return objects.containsKey(digest);
    }

    /** Makes a staged object readable before it is committed. */
    public void stage(String digest, byte[] bytes) {
        objects.put(digest, bytes);
    }

    /** Adds objects known to be stored (a checkpoint's). */
    public void putAll(Map<String, byte[]> stored) {
        objects.putAll(stored);
        unhashed.addAll(stored.keySet());
    }

    /**
     * Whether {@code bytes} are the object {@code digest} (so they hash to it, with no hashing here): its bytes
     * came from a pack, whose objects are hashed as they load, or were staged under their hash. Objects a
     * checkpoint supplied are not hashed when they load, so they never match.
     */
    public boolean holds(String digest, byte[] bytes) {
        byte[] known = objects.get(digest);
        return known != null && Arrays.equals(known, bytes) && !unhashed.contains(digest);
    }

    /** The stored bytes of a readable object, or null (the array itself: callers must not change it). */
    public byte[] bytes(String digest) {
        return objects.get(digest);
    }

    /** Every readable object, by digest (a copy). */
    public Map<String, byte[]> snapshot() {
        return new TreeMap<>(objects);
    }

    /** Packs named by a block that cannot be used, with the reason (read-only view). */
    public Map<String, String> corruptPacks() {
        return Collections.unmodifiableMap(corruptPacks);
    }

    /** The raw stored content of a revision (descriptor patches as stored, deletes as {@code {"_deleted":true}}). */
    public ObjectNode content(Revision r, String where) {
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

    /** Whether a digest is a charcode (at most 8 hex digits, a 32-bit value), stored in no pack. */
    public static boolean isCharcode(String d) {
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
}
