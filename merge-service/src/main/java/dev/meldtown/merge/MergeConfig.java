package dev.meldtown.merge;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;
import java.time.Duration;

/** {@code meldtown.merge.*}: the consumer, the hub replica, checkpoints and retries. */
@ConfigMapping(prefix = "meldtown.merge")
public interface MergeConfig {
    /** The replica every other replica of a document converges through. */
    @WithDefault("hub")
    String hub();

    /** Run the consumers (off only for tools that embed the service without consuming). */
    @WithDefault("true")
    boolean consume();

    /** Consumer group shared by every instance: partitions (hence documents) are split between them. */
    @WithDefault("meldtown-merge")
    String groupId();

    @WithDefault("PT0.5S")
    Duration pollTimeout();

    @WithDefault("50")
    int maxPollRecords();

    /** Partitions of the topics the service creates when they are missing (same count for both input topics). */
    @WithDefault("3")
    int topicPartitions();

    /**
     * Partitions whose records are worked on at once by one instance, each partition's in order (a document's records
     * are all in one partition). 1 works on one record at a time.
     */
    @WithDefault("3")
    int concurrency();

    /** Pause before retrying a record whose work failed for a transient reason (S3 or Kafka unavailable). */
    @WithDefault("PT1S")
    Duration retryBackoff();

    /** A record failing for a non-infrastructure reason this many times is dead-lettered. */
    @WithDefault("5")
    int maxAttempts();

    /**
     * Liveness reports DOWN when the consumer thread made no progress (a poll) for this long, when one record has been
     * worked on for this long, or when the thread ended while the service runs.
     */
    @WithDefault("PT5M")
    Duration maxSilence();

    /**
     * Replicas kept loaded in memory (refreshed incrementally), and as many file lists of replicas fanned out into
     * without loading them.
     */
    @WithDefault("128")
    int replicaCacheSize();

    /**
     * Write a read checkpoint of the hub once it has this many blocks more than the last one (1: after every meld
     * that changed it) or 10% of its history more, whichever is larger, but at most
     * {@link #checkpointMaxIntervalBlocks()}: a checkpoint holds the whole state, so writing one after every meld of
     * a long history would make a meld cost the history.
     */
    @WithDefault("1")
    int checkpointEveryBlocks();

    /** Upper bound of the interval between checkpoints, in blocks (a read replays at most this many beyond one). */
    @WithDefault("256")
    int checkpointMaxIntervalBlocks();

    /** Garbage collection of service-private data ({@link GarbageCollector}). */
    Gc gc();

    interface Gc {
        /** Run the collector on its schedule. */
        @WithDefault("true")
        boolean enabled();

        /** How often it runs ({@code every} of Quarkus's scheduler). */
        @WithDefault("1h")
        String every();

        /** Read checkpoints kept per replica, newest first (the one {@code latest} names is always kept). */
        @WithName("keep-checkpoints")
        @WithDefault("3")
        int keepCheckpoints();

        /**
         * Stored merge results older than this are removed. It must exceed the retention of the Kafka topics the
         * merge-service consumes (a redelivered event within it finds its result and is not melded twice) and the
         * longest outage after which an outbox re-announces a block.
         */
        @WithName("result-retention")
        @WithDefault("P14D")
        Duration resultRetention();

        /** Outbox entries younger than this are left to the outbox sweepers. */
        @WithName("outbox-min-age")
        @WithDefault("PT1H")
        Duration outboxMinAge();

        /** Keys per DeleteObjects request (S3 takes at most 1,000). */
        @WithName("batch")
        @WithDefault("1000")
        int batch();

        /**
         * At most this many S3 requests per second (0: unpaced). A pass walks every document of the bucket (about four
         * requests each): background work that must not take S3 from the melds in bursts.
         */
        @WithName("requests-per-second")
        @WithDefault("25")
        int requestsPerSecond();
    }

    /** The block outbox of the resolve blocks this service commits ({@link ResolveAnnouncer}). */
    Outbox outbox();

    interface Outbox {
        /** How old an entry must be before a sweep re-sends it. */
        @WithDefault("PT10S")
        Duration grace();

        /** How often the sweep runs. */
        @WithName("sweep-every")
        @WithDefault("5s")
        String sweepEvery();

        /** Liveness reports DOWN when the sweeper completed no sweep for this long. */
        @WithName("max-silence")
        @WithDefault("PT5M")
        Duration maxSilence();
    }
}
