package dev.meldtown.events;

/** Kafka topics of the event contract (contracts §3). Record keys are {@code {tenant}/{doc}} or {@code {tenant}/{town}}. */
public final class Topics {
    public static final String BLOCKS = "meldtown.blocks";
    public static final String MERGES = "meldtown.merges";
    public static final String MERGES_DLQ = "meldtown.merges.dlq";
    public static final String SYNCS = "meldtown.syncs";

    private Topics() {
    }

    /** The record key that keeps one writer per document or town. */
    public static String key(String tenant, String docOrTown) {
        return tenant + "/" + docOrTown;
    }
}
