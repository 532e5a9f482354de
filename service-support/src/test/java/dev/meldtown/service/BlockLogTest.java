package dev.meldtown.service;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meldtown.storage.s3.BucketLayout;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Where a state stands in a replica's block log: the position only moves forward and never skips an unapplied block. */
class BlockLogTest {
    private static final long NOW = 1_764_633_600_000L;
    private final BlockLog log = new BlockLog(null, "bucket", Clock.fixed(Instant.ofEpochMilli(NOW), ZoneOffset.UTC), Duration.ofMinutes(1));

    private static BucketLayout.LogEntry entry(long ago, String block) {
        return new BucketLayout.LogEntry(BlockLog.stamp(NOW - ago), block);
    }

    @Test
    void aCoveredLogMovesToTheMarginAndKeepsTheCoveredEntriesAfterIt() {
        var entries = List.of(entry(120_000, "a"), entry(30_000, "b"), entry(10_000, "c"));
        BlockLog.Cursor c = log.advance(BlockLog.stamp(NOW - 300_000), entries, b -> true);
        assertThat(c.position()).isEqualTo(BlockLog.stamp(NOW - 60_000));
        assertThat(c.seen()).containsExactlyInAnyOrder("b", "c");
    }

    @Test
    void anEntryNotCoveredHoldsThePositionAtItsStamp() {
        var entries = List.of(entry(200_000, "a"), entry(150_000, "b"), entry(10_000, "c"));
        BlockLog.Cursor c = log.advance(null, entries, b -> !b.equals("b"));
        assertThat(c.position()).isEqualTo(BlockLog.stamp(NOW - 150_000));
        assertThat(c.seen()).isEqualTo(Set.of("c")); // b is still to be applied: not seen
    }

    @Test
    void thePositionNeverMovesBackBeyondWhereTheStateStood() {
        // a checkpoint placed closer to now than the margin (another instance's clock, a smaller margin)
        String from = BlockLog.stamp(NOW - 5_000);
        BlockLog.Cursor c = log.advance(from, List.of(), b -> false);
        assertThat(c.position()).isEqualTo(from);
        assertThat(BlockLog.stamp(42)).isEqualTo("0000000000042");
    }
}
