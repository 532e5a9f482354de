package dev.meldtown.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Where a state stands in a replica's block log: the position only moves forward and never skips an unapplied block. */
class BlockLogTest {
    private final BlockLog log = new BlockLog(null, "bucket");

    private static BlockLog.Entry entry(long n, String block) {
        return new BlockLog.Entry(n, block);
    }

    @Test
    void aCoveredRunMovesThePositionToItsLastEntry() {
        var entries = List.of(entry(4, "a"), entry(5, "b"), entry(6, "c"));
        BlockLog.Cursor c = log.advance(BlockLog.position(3), entries, b -> true);
        assertThat(c.position()).isEqualTo("000000000006");
        assertThat(c.number()).isEqualTo(6);
        assertThat(c.seen()).isEmpty();
    }

    @Test
    void anEntryNotCoveredHoldsThePositionBeforeItAndKeepsTheCoveredOnesAfterIt() {
        var entries = List.of(entry(1, "a"), entry(2, "b"), entry(3, "c"), entry(4, "a"));
        BlockLog.Cursor c = log.advance(null, entries, b -> !b.equals("b"));
        assertThat(c.number()).isEqualTo(1);
        assertThat(c.seen()).isEqualTo(Set.of("c", "a")); // b is still to be applied: not seen
    }

    @Test
    void anEntryWhoseBodyIsNoBlockCoversNothingAndDoesNotHoldThePosition() {
        BlockLog.Cursor c = log.advance(BlockLog.position(9), List.of(entry(10, null), entry(11, "x")), b -> true);
        assertThat(c.number()).isEqualTo(11);
    }

    @Test
    void thePositionStaysWhereItStoodWhenNothingFollows() {
        BlockLog.Cursor c = log.advance(BlockLog.position(42), List.of(), b -> false);
        assertThat(c.position()).isEqualTo("000000000042");
    }

    @Test
    void positionsOfTheFormerClockStampedLogAreNotThisLogs() {
        assertThat(BlockLog.number(null)).isZero();
        assertThat(BlockLog.number("000000000007")).isEqualTo(7);
        assertThat(BlockLog.known("1764633600000")).isFalse(); // 13 digits: a clock stamp of the first format
        assertThat(BlockLog.known("00000000000x")).isFalse();
        assertThat(BlockLog.known(BlockLog.position(0))).isTrue();
    }
}
