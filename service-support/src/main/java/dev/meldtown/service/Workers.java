package dev.meldtown.service;

import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The background workers of a service (consumer threads, schedulers, Kafka clients), registered so that liveness
 * ({@link WorkersLivenessCheck}) reports DOWN when one of them died or stopped making progress: a service that can
 * no longer do its work is restarted by the platform instead of answering requests while its events are lost.
 * <p>
 * A worker either beats ({@link #register}: DOWN when silent for longer than its limit or marked dead), or is asked
 * ({@link #watch}: DOWN when its supplier names a reason). A dependency outage is not death: a worker waiting for
 * Kafka or S3 keeps beating.
 */
@ApplicationScoped
public class Workers {
    private final Map<String, Supplier<String>> workers = new ConcurrentHashMap<>();

    /** A worker that calls {@link Heartbeat#beat()} at least once per {@code maxSilence}. */
    public Heartbeat register(String name, Duration maxSilence) {
        Heartbeat heartbeat = new Heartbeat(name, maxSilence);
        workers.put(name, heartbeat::problem);
        return heartbeat;
    }

    /** A worker whose state is asked on each liveness check: {@code problem} returns null while it is alive. */
    public void watch(String name, Supplier<String> problem) {
        workers.put(name, problem);
    }

    /** Forgets a worker (shutdown). */
    public void remove(String name) {
        workers.remove(name);
    }

    /** Each worker's problem, or null when alive. */
    public Map<String, String> problems() {
        Map<String, String> out = new java.util.TreeMap<>();
        workers.forEach((name, problem) -> {
            String p;
            try {
                p = problem.get();
            } catch (RuntimeException e) {
                p = "its state is unreadable: " + e;
            }
            out.put(name, p);
        });
        return out;
    }

    public static final class Heartbeat {
        private final String name;
        private final Duration maxSilence;
        private volatile long lastBeat = System.nanoTime();
        private volatile String died;

        Heartbeat(String name, Duration maxSilence) {
            this.name = name;
            this.maxSilence = maxSilence;
        }

        public String name() {
            return name;
        }

        public void beat() {
            lastBeat = System.nanoTime();
        }

        /** The worker is gone for good (its thread ended, its client was closed): liveness reports DOWN. */
        public void died(String reason) {
            died = reason;
        }

        String problem() {
            if (died != null) {
                return died;
            }
            long silent = System.nanoTime() - lastBeat;
            return silent > maxSilence.toNanos()
                    ? "no progress for " + Duration.ofNanos(silent).toSeconds() + " s (limit " + maxSilence.toSeconds() + " s)"
                    : null;
        }
    }
}
