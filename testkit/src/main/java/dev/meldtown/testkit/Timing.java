package dev.meldtown.testkit;

import java.time.Duration;

/**
 * Time bounds on a shared, noisy machine: a request that must answer within a bound (a health check within 2 s) is
 * timed a few times and judged by its fastest answer. A check that blocks on a dependency is slow every time; a
 * scheduling hiccup of the machine is not.
 */
public final class Timing {
    private Timing() {
    }

    /** The fastest of {@code attempts} runs of {@code request} (which must be safe to repeat, e.g. a GET). */
    public static Duration fastestOf(int attempts, Runnable request) {
        Duration best = null;
        for (int i = 0; i < attempts; i++) {
            long start = System.nanoTime();
            request.run();
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            best = best == null || took.compareTo(best) < 0 ? took : best;
        }
        return best;
    }
}
