package dev.meldtown.service;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.health.HealthCheckResponse;

/**
 * A dependency check that never makes a health request wait: the check runs on its own daemon thread every
 * {@code every}, and {@link #response} answers at once from the newest result. A check still running after
 * {@code answerWithin} (a dependency that accepts connections and never answers) is reported DOWN right away; only
 * the very first request waits, at most {@code answerWithin}, for the first result.
 */
public final class CachedProbe implements AutoCloseable {
    private record Result(boolean up, Map<String, Object> data) {
    }

    private final String name;
    private final Callable<Map<String, Object>> check;
    private final Duration every;
    private final Duration answerWithin;
    private final CountDownLatch first = new CountDownLatch(1);
    private ScheduledExecutorService executor;
    private volatile Result last;
    private volatile long runningSince;

    /** {@code check} returns data for an UP answer and throws for a DOWN one (its message becomes the error). */
    public CachedProbe(String name, Callable<Map<String, Object>> check, Duration every, Duration answerWithin) {
        this.name = name;
        this.check = check;
        this.every = every;
        this.answerWithin = answerWithin;
    }

    public HealthCheckResponse response() {
        start();
        try {
            first.await(answerWithin.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        var builder = HealthCheckResponse.named(name);
        long since = runningSince;
        Result result = last;
        if (since != 0 && (result == null || System.nanoTime() - since > answerWithin.toNanos())) {
            return builder.down().withData("error", "no answer within " + answerWithin.toMillis() + " ms (asked "
                    + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - since) + " ms ago)").build();
        }
        if (result == null) {
            return builder.down().withData("error", "not checked yet").build();
        }
        result.data().forEach((k, v) -> builder.withData(k, String.valueOf(v)));
        return builder.status(result.up()).build();
    }

    private synchronized void start() {
        if (executor != null) {
            return;
        }
        executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "meldtown-probe-" + name.replaceAll("[^A-Za-z0-9]+", "-"));
            t.setDaemon(true);
            return t;
        });
        executor.scheduleWithFixedDelay(this::run, 0, every.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void run() {
        runningSince = System.nanoTime();
        try {
            last = new Result(true, check.call());
        } catch (Exception | LinkageError e) {
            Map<String, Object> data = new LinkedHashMap<>();
            data.put("error", e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
            last = new Result(false, data);
        } finally {
            runningSince = 0;
            first.countDown();
        }
    }

    @Override
    public synchronized void close() {
        if (executor != null) {
            executor.shutdownNow();
        }
    }
}
