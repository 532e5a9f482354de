package dev.meldtown.crdt;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meldtown.crdt.internal.Hashes;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A read checkpoint: the materialized state of a replica at a set of anchors, in one object that lives outside the
 * replica (service-private data). It holds the document as {@link Replica#read()} returned it, plus every applied
 * block and every object of their packs, so a reader rebuilds the replica with one download instead of one per
 * file and then applies only the blocks stored after the checkpoint ({@link #open(ReplicaStorage)}).
 *
 * <p>A checkpoint is named by its anchors ({@link #nameOf}): the anchors determine the applied blocks, so two
 * checkpoints with the same name have the same content. Replicas only grow, so a checkpoint of a replica stays
 * valid for it forever; {@link #open} falls back to a full replay if the storage lacks any checkpointed block.
 *
 * <p>Format ({@value #FORMAT}), canonical JSON: {@code {"anchors":[..],"blocks":{id:delta text},
 * "document":text,"format":..,"objects":{digest:object text},"objects64":{digest:base64}}} ({@code objects64}
 * only for objects whose bytes are not valid UTF-8).
 */
public final class Checkpoint {
    public static final String FORMAT = "meldtown-checkpoint/1";

    private final List<String> anchors;
    private final Map<String, DeltaBlock> blocks;
    private final Map<String, byte[]> objects;
    private final String document;

    private Checkpoint(List<String> anchors, Map<String, DeltaBlock> blocks, Map<String, byte[]> objects, String document) {
        this.anchors = List.copyOf(anchors);
        this.blocks = Collections.unmodifiableMap(blocks);
        this.objects = objects;
        this.document = document;
    }

    /**
     * Captures the committed state of {@code replica}.
     *
     * @throws IllegalStateException if the replica has staged changes
     */
    public static Checkpoint of(Replica replica) {
        Map<String, byte[]> objects = replica.committedObjects();
        Map<String, DeltaBlock> blocks = new TreeMap<>();
        for (DeltaBlock b : replica.appliedBlockList()) {
            blocks.put(b.id(), b);
        }
        return new Checkpoint(replica.anchors(), blocks, objects, CanonicalJson.write(replica.read()));
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

    /** Ids of the blocks the checkpoint covers. */
    public Set<String> blocks() {
        return blocks.keySet();
    }

    /** The document at the checkpoint (a fresh copy). */
    public ObjectNode document() {
        return (ObjectNode) CanonicalJson.parse(document);
    }

    /**
     * The replica in {@code storage} rebuilt from this checkpoint and refreshed, i.e. with every block stored after
     * the checkpoint applied. Equivalent to {@link Replica#open(ReplicaStorage)}; if the storage lacks a
     * checkpointed block (a checkpoint of another replica), it is exactly that full replay.
     */
    public Replica open(ReplicaStorage storage) {
        Set<String> stored = new LinkedHashSet<>(storage.list(".delta"));
        if (!stored.containsAll(blocks.keySet())) {
            return Replica.open(storage);
        }
        Replica r = Replica.restore(storage, new ArrayList<>(blocks.values()), objects);
        r.refresh();
        return r;
    }

    /**
     * The document of the replica in {@code storage}: the checkpoint's own when no block was stored since, else
     * read from {@link #open}.
     */
    public ObjectNode read(ReplicaStorage storage) {
        Set<String> stored = new LinkedHashSet<>(storage.list(".delta"));
        if (stored.equals(blocks.keySet())) {
            return document();
        }
        return open(storage).read();
    }

    public byte[] bytes() {
        ObjectNode root = CanonicalJson.nodes().objectNode();
        root.put("format", FORMAT);
        root.putArray("anchors").addAll(anchors.stream().map(a -> (JsonNode) CanonicalJson.nodes().textNode(a)).toList());
        ObjectNode bs = root.putObject("blocks");
        blocks.forEach((id, b) -> bs.put(id, new String(b.bytes(), StandardCharsets.UTF_8)));
        ObjectNode os = root.putObject("objects");
        ObjectNode os64 = root.putObject("objects64");
        objects.forEach((digest, bytes) -> {
            String text = new String(bytes, StandardCharsets.UTF_8);
            if (Arrays.equals(text.getBytes(StandardCharsets.UTF_8), bytes)) {
                os.put(digest, text);
            } else {
                os64.put(digest, Base64.getEncoder().encodeToString(bytes));
            }
        });
        root.put("document", document);
        return CanonicalJson.bytes(root);
    }

    /**
     * Parses a checkpoint; every block is checked against its id.
     *
     * @throws CorruptDataException if the bytes are not a checkpoint of this format
     */
    public static Checkpoint parse(byte[] bytes) {
        JsonNode root;
        try {
            root = CanonicalJson.parse(bytes);
        } catch (MeldaException e) {
            throw new CorruptDataException("checkpoint is not JSON: " + e.getMessage());
        }
        if (!root.isObject() || !FORMAT.equals(root.path("format").asText(null))) {
            throw new CorruptDataException("not a " + FORMAT + " checkpoint");
        }
        JsonNode doc = root.get("document");
        if (doc == null || !doc.isTextual() || !root.path("anchors").isArray() || !root.path("blocks").isObject()
                || !root.path("objects").isObject()) {
            throw new CorruptDataException("incomplete checkpoint");
        }
        List<String> anchors = new ArrayList<>();
        root.get("anchors").forEach(a -> anchors.add(a.asText()));
        Map<String, DeltaBlock> blocks = new TreeMap<>();
        root.get("blocks").fields().forEachRemaining(e ->
                blocks.put(e.getKey(), DeltaBlock.parse(e.getKey(), e.getValue().asText().getBytes(StandardCharsets.UTF_8))));
        Map<String, byte[]> objects = new TreeMap<>();
        root.get("objects").fields().forEachRemaining(e -> objects.put(e.getKey(), e.getValue().asText().getBytes(StandardCharsets.UTF_8)));
        root.path("objects64").fields().forEachRemaining(e -> objects.put(e.getKey(), Base64.getDecoder().decode(e.getValue().asText())));
        return new Checkpoint(anchors, blocks, objects, doc.asText());
    }
}
