package dev.meldtown.events;

/** Kafka topics of the event contract (contracts §3). Record keys are {@code {tenant}/{doc}} or {@code {tenant}/{town}}. */
public final class Topics {
    public static final String BLOCKS = "meldtown.blocks";
    public static final String MERGES = "meldtown.merges";
    public static final String MERGES_DLQ = "meldtown.merges.dlq";
    public static final String SYNCS = "meldtown.syncs";
    /** Where sync-orchestrator dead-letters a {@code sync.requested} it must not or cannot run. */
    public static final String SYNCS_DLQ = "meldtown.syncs.dlq";
    /** Every topic of the contract. */
    public static final java.util.List<String> ALL = java.util.List.of(BLOCKS, MERGES, MERGES_DLQ, SYNCS, SYNCS_DLQ);

    private Topics() {
    }

    /** The record key that keeps one writer per document or town. */
    public static String key(String tenant, String docOrTown) {
        return tenant + "/" + docOrTown;
    }
}
