package dev.meldtown.merge;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
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

    /** Pause before retrying a record whose work failed for a transient reason (S3 or Kafka unavailable). */
    @WithDefault("PT1S")
    Duration retryBackoff();

    /** A record failing for a non-infrastructure reason this many times is dead-lettered. */
    @WithDefault("5")
    int maxAttempts();

    /**
     * Liveness reports DOWN when the consumer thread made no progress (a poll, a record, a retry pause) for this long,
     * or when it ended while the service runs.
     */
    @WithDefault("PT5M")
    Duration maxSilence();

    /** Replicas kept loaded in memory (refreshed incrementally). */
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
}
