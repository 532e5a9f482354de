package dev.meldtown.crdt;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meldtown.crdt.internal.Hashes;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * A read checkpoint: the materialized state of a replica at a set of anchors ({@link ReplicaState}: winners,
 * conflicting leaves, their contents and descriptor orders), in one object that lives outside the replica
 * (service-private data). It holds nothing of the history (no blocks, no packs), so its size follows the document,
 * not the number of blocks. A reader starts from {@link #state()} and {@link ReplicaState#catchUp catches up} with the
 * blocks stored after it.
 *
 * <p>Which blocks those are is the service's business: a checkpoint carries an opaque {@link #position()} in the
 * service's log of stored blocks (every block logged before it is covered) and the blocks logged at or after that
 * position that it already covers ({@link #seen()}), so a reader lists the log from the position, never the replica.
 *
 * <p>A checkpoint is named by its anchors ({@link #nameOf}). Format ({@value #FORMAT}), canonical JSON:
 * {@code {"anchors":[..],"contents":{digest:text},"contents64":{digest:base64},"format":..,
 * "objects":{uuid:{"w":winner,"l":[leaves, when not just the winner],"o":{revision:[order]}}},"position":..,"seen":[..]}}.
 * Checkpoints of the former format ({@code meldtown-checkpoint/1}, which held every block and pack) are refused
 * with {@link OutdatedException}: readers replay and the writer replaces them.
 */
public final class Checkpoint {
    public static final String FORMAT = "meldtown-checkpoint/2";

    /** A checkpoint of an earlier format: not an error, a reason to replay and write a new one. */
    public static final class OutdatedException extends CorruptDataException {
        OutdatedException(String format) {
            super("outdated checkpoint format " + format + " (now " + FORMAT + ")");
        }
    }

    private final List<String> anchors;
    private final String position;
    private final Set<String> seen;
    private final ReplicaState state;

    private Checkpoint(List<String> anchors, String position, Collection<String> seen, ReplicaState state) {
        List<String> sorted = new ArrayList<>(anchors);
        sorted.sort(null);
        this.anchors = List.copyOf(sorted);
        this.position = position;
        this.seen = java.util.Collections.unmodifiableSet(new TreeSet<>(seen));
        this.state = state;
    }

    /**
     * Captures the committed state of {@code replica}, without a log position.
     *
     * @throws IllegalStateException if the replica has staged changes
     */
    public static Checkpoint of(Replica replica) {
        return of(replica, null, Set.of());
    }

    /**
     * Captures the committed state of {@code replica}; {@code position} and {@code seen} describe it in the service's
     * log of stored blocks (see the class comment).
     *
     * @throws IllegalStateException if the replica has staged changes
     */
    public static Checkpoint of(Replica replica, String position, Collection<String> seen) {
        return new Checkpoint(replica.anchors(), position, seen, replica.materialize());
    }

    /** The name of a checkpoint at these anchors: sha256 of the sorted anchors joined by newlines (hex). */
    public static String nameOf(Collection<String> anchors) {
        List<String> sorted = new ArrayList<>(anchors);
        sorted.sort(null);
        return Hashes.sha256Hex(String.join("\n", sorted));
    }

    public String name() {
        return nameOf(anchors);
    }

    public List<String> anchors() {
        return anchors;
    }

    /** The log position the checkpoint covers up to, or null. */
    public String position() {
        return position;
    }

    /** Blocks logged at or after {@link #position()} that the checkpoint already covers. */
    public Set<String> seen() {
        return seen;
    }

    /** A fresh, mutable copy of the materialized state. */
    public ReplicaState state() {
        return state.copy();
    }

    /** The document at the checkpoint (a fresh copy). */
    public ObjectNode document() {
        return state.read();
    }

    public byte[] bytes() {
        ObjectNode root = state.toJson();
        root.put("format", FORMAT);
        anchors.forEach(root.putArray("anchors")::add);
        if (position != null) {
            root.put("position", position);
        }
        seen.forEach(root.putArray("seen")::add);
        return CanonicalJson.bytes(root);
    }

    /**
     * Parses a checkpoint.
     *
     * @throws OutdatedException for a checkpoint of an earlier format
     * @throws CorruptDataException if the bytes are not a checkpoint of this format
     */
    public static Checkpoint parse(byte[] bytes) {
        JsonNode root;
        try {
            root = CanonicalJson.parse(bytes);
        } catch (MeldaException e) {
            throw new CorruptDataException("checkpoint is not JSON: " + e.getMessage());
        }
        String format = root.isObject() ? root.path("format").asText(null) : null;
        if (format != null && format.startsWith("meldtown-checkpoint/") && !FORMAT.equals(format)) {
            throw new OutdatedException(format);
        }
        if (!FORMAT.equals(format)) {
            throw new CorruptDataException("not a " + FORMAT + " checkpoint");
        }
        if (!root.path("anchors").isArray() || !root.path("seen").isArray()) {
            throw new CorruptDataException("incomplete checkpoint");
        }
        List<String> anchors = new ArrayList<>();
        root.get("anchors").forEach(a -> anchors.add(a.asText()));
        List<String> seen = new ArrayList<>();
        root.get("seen").forEach(a -> seen.add(a.asText()));
        String position = root.path("position").isTextual() ? root.get("position").asText() : null;
        return new Checkpoint(anchors, position, seen, ReplicaState.fromJson(root, anchors));
    }
}
