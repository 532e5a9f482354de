package dev.meldtown.events;

import java.util.Map;

/**
 * How a consumer dead-letters a record it cannot or must not process (contracts §3): the original key and value go
 * to the topic's dead-letter topic ({@link Topics#MERGES_DLQ}, {@link Topics#SYNCS_DLQ}) with these headers, so an
 * operator can see why and replay it. Nothing reads a dead-letter topic automatically.
 */
public final class DeadLetter {
    /** Why, in words. */
    public static final String REASON = "meldtown-dlq-reason";
    /** Why, as a short word a metric or an alert can group by (for example {@code key-mismatch}, {@code failed}). */
    public static final String CATEGORY = "meldtown-dlq-category";
    /** Where the record was read. */
    public static final String TOPIC = "meldtown-dlq-topic";
    public static final String PARTITION = "meldtown-dlq-partition";
    public static final String OFFSET = "meldtown-dlq-offset";

    private DeadLetter() {
    }

    /** The headers of a dead-lettered record. */
    public static Map<String, String> headers(String category, String reason, String topic, int partition, long offset) {
        return Map.of(REASON, reason, CATEGORY, category, TOPIC, topic, PARTITION, Integer.toString(partition),
                OFFSET, Long.toString(offset));
    }
}
