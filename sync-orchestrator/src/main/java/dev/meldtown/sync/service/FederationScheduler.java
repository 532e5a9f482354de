package dev.meldtown.sync.service;

import dev.meldtown.events.Payloads;
import dev.meldtown.sync.federation.Topology;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Runs federations that have {@code intervalSeconds}: a round every interval plus up to 10 % jitter. A
 * (town, peer) pair whose sync failed is skipped with exponential backoff (interval × 2^failures, at most
 * {@code meldtown.sync-schedule.max-backoff}) until it succeeds again. The per-town lock of the engine keeps
 * scheduled, REST and event-triggered syncs of one town from overlapping, also across instances.
 */
@ApplicationScoped
public class FederationScheduler {
    private static final Logger LOG = Logger.getLogger(FederationScheduler.class);

    @Inject
    Registry registry;

    @Inject
    FederationService service;

    @ConfigProperty(name = "meldtown.sync-schedule.enabled", defaultValue = "true")
    boolean enabled;

    @ConfigProperty(name = "meldtown.sync-schedule.max-backoff", defaultValue = "PT1H")
    Duration maxBackoff;

    private final Map<String, Instant> nextRound = new ConcurrentHashMap<>();
    private final Map<String, Backoff> backoff = new ConcurrentHashMap<>();

    private final java.util.concurrent.atomic.AtomicBoolean busy = new java.util.concurrent.atomic.AtomicBoolean();

    /** A (town, peer) pair that failed {@code failures} times in a row and is skipped until {@code until}. */
    public record Backoff(int failures, Instant until) {
    }

    /** True while no scheduled round is running. */
    public boolean idle() {
        return !busy.get();
    }

    @Scheduled(every = "${meldtown.sync-schedule.tick:5s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            delayed = "${meldtown.sync-schedule.initial-delay:5s}")
    void tick() {
        if (!enabled) {
            return;
        }
        for (String tenant : registry.tenants()) {
            for (var fed : registry.federations(tenant)) {
                if (fed.intervalSeconds() == null) {
                    continue;
                }
                String key = tenant + "/" + fed.name();
                Instant now = Instant.now();
                long intervalMs = fed.intervalSeconds() * 1000L;
                Instant next = now.plusMillis(intervalMs + ThreadLocalRandom.current().nextLong(intervalMs / 10 + 1));
                // the first round of a newly seen federation is one interval away
                Instant due = nextRound.putIfAbsent(key, next);
                if (due == null || now.isBefore(due)) {
                    continue;
                }
                nextRound.put(key, next);
                busy.set(true);
                try {
                    round(tenant, fed, Duration.ofMillis(intervalMs));
                } catch (RuntimeException e) {
                    LOG.warnf("scheduled round of %s failed: %s", key, e.toString());
                } finally {
                    busy.set(false);
                }
            }
        }
    }

    private void round(String tenant, Model.FederationView fed, Duration interval) {
        var pairs = Topology.parse(fed.topology()).round(fed.towns());
        for (var pair : pairs) {
            String key = tenant + "/" + pair.town() + "/" + pair.peer();
            Backoff b = backoff.get(key);
            if (b != null && Instant.now().isBefore(b.until())) {
                continue;
            }
            Payloads.SyncResult r = service.runScheduled(tenant, pair.town(), pair.peer(), fed.strategy());
            if (r != null && r.error() == null && r.pushError() == null) {
                backoff.remove(key);
            } else {
                int failures = b == null ? 1 : b.failures() + 1;
                long factor = 1L << Math.min(failures, 16);
                Duration wait = interval.multipliedBy(factor);
                if (wait.compareTo(maxBackoff) > 0) {
                    wait = maxBackoff;
                }
                backoff.put(key, new Backoff(failures, Instant.now().plus(wait)));
            }
        }
    }

    /** For status and tests: pairs currently backing off. */
    public Map<String, Backoff> backoffs() {
        return Map.copyOf(backoff);
    }
}
