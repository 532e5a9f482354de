package dev.meldtown.acceptance;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The chaos run ({@link Chaos}) on its own real stack: {@code -Dchaos.minutes} long (3 by default;
 * {@code bin/chaos MINUTES} for longer runs), {@code -Dchaos.seed} picks the faults. Prints the table and fails on any
 * broken invariant. Part of {@code bin/test} (a 3-minute run with a fresh seed, printed); tagged {@code chaos} so a
 * build may leave it out ({@code -Dmeldtown.acceptance.excludedGroups=chaos}).
 */
@Tag("chaos")
class ChaosTest {
    @TempDir
    static Path stackDir;
    static LocalStack stack;

    @BeforeAll
    static void up() throws Exception {
        stack = LocalStack.up(stackDir);
        assertThat(stack.upExitCode).as(stack.upOutput).isZero();
    }

    @AfterAll
    static void down() throws Exception {
        if (stack != null) {
            stack.down();
        }
    }

    @Test
    void underKillsAndPausesNoAcknowledgedWriteOrSyncIsLostAndNothingIsLeftHalfDone() throws Exception {
        double minutes = Double.parseDouble(System.getProperty("chaos.minutes", "3"));
        long seed = Long.parseLong(System.getProperty("chaos.seed", String.valueOf(System.nanoTime())));
        Chaos.Report report = new Chaos(stack, Duration.ofSeconds((long) (minutes * 60)), seed).run();
        System.out.println("chaos seed " + seed + "\n" + report.table());
        assertThat(report.counters().getOrDefault("commit:201", 0)).as("commits acknowledged during the run").isPositive();
        assertThat(report.faults()).as("faults injected").isNotEmpty();
        assertThat(report.passed()).as(report.table()).isTrue();
    }
}
