package dev.meldtown.events;

import java.util.Arrays;
import java.util.Optional;

/** Every event type of the contract, with its topic, emitting service, payload class and JSON Schema. */
public enum EventType {
    BLOCK_COMMITTED("dev.meldtown.block.committed", Topics.BLOCKS, Sources.BLOCK_STORE, Payloads.BlockCommitted.class),
    /** A document's objects are gone (issue 14): deleted by itself, or with its tenant ({@code scope}). */
    DOC_DELETED("dev.meldtown.doc.deleted", Topics.BLOCKS, Sources.BLOCK_STORE, Payloads.DocDeleted.class),
    /** A replica's objects (files, read checkpoints, outbox entries) are gone (issue 14). */
    REPLICA_DELETED("dev.meldtown.replica.deleted", Topics.BLOCKS, Sources.BLOCK_STORE, Payloads.ReplicaDeleted.class),
    MERGE_REQUESTED("dev.meldtown.merge.requested", Topics.MERGES, Sources.BLOCK_STORE, Payloads.MergeRequested.class),
    MERGE_COMPLETED("dev.meldtown.merge.completed", Topics.MERGES, Sources.MERGE, Payloads.MergeCompleted.class),
    MERGE_FAILED("dev.meldtown.merge.failed", Topics.MERGES, Sources.MERGE, Payloads.MergeFailed.class),
    SYNC_REQUESTED("dev.meldtown.sync.requested", Topics.SYNCS, Sources.SYNC, Payloads.SyncRequested.class),
    SYNC_COMPLETED("dev.meldtown.sync.completed", Topics.SYNCS, Sources.SYNC, Payloads.SyncCompleted.class);

    private final String type;
    private final String topic;
    private final String source;
    private final Class<?> payload;

    EventType(String type, String topic, String source, Class<?> payload) {
        this.type = type;
        this.topic = topic;
        this.source = source;
        this.payload = payload;
    }

    /** The CloudEvents {@code type} attribute. */
    public String type() {
        return type;
    }

    public String topic() {
        return topic;
    }

    /** The CloudEvents {@code source} of the service that normally emits it. */
    public String source() {
        return source;
    }

    public Class<?> payload() {
        return payload;
    }

    /** Classpath location of the JSON Schema for this type's {@code data}. */
    public String schemaResource() {
        return "/dev/meldtown/events/schemas/" + type + ".json";
    }

    public static Optional<EventType> of(String type) {
        return Arrays.stream(values()).filter(t -> t.type.equals(type)).findFirst();
    }

    /** CloudEvents {@code source} values (contracts §3). */
    public static final class Sources {
        public static final String BLOCK_STORE = "/meldtown/block-store";
        public static final String MERGE = "/meldtown/merge";
        public static final String SYNC = "/meldtown/sync";

        private Sources() {
        }
    }
}
