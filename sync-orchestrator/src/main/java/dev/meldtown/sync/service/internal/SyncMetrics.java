package dev.meldtown.sync.service.internal;

import dev.meldtown.events.Payloads;
import dev.meldtown.sync.federation.SyncObserver;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * sync-orchestrator's own metrics, {@code meldtown_sync_*} on {@code /q/metrics} (sync-orchestrator/README.md,
 * "Metrics"):
 * <ul>
 * <li>{@code meldtown_sync_syncs_total{operation,outcome,category}}: every fetch, pull, push, sync and row-level resolve (REST,
 *     {@code sync.requested}, rounds and the scheduler), {@code outcome} {@code ok}, {@code failed} or
 *     {@code push-failed}, {@code category} the contract's error category or {@code none};</li>
 * <li>{@code meldtown_sync_duration_seconds{operation,outcome}} (histogram);</li>
 * <li>{@code meldtown_sync_commits_total{direction}}: commits pulled and pushed;</li>
 * <li>{@code meldtown_sync_peer_ahead} and {@code meldtown_sync_peer_behind{tenant,town,peer}}: a town's
 *     commits its peer's branch lacks and the other way round, as of the last fetch this instance made or read;</li>
 * <li>{@code meldtown_sync_scheduler_rounds_total{outcome}} ({@code ok}, {@code failed}: some pair failed,
 *     {@code skipped}: every pair was backing off), {@code meldtown_sync_scheduler_backoff_pairs} (pairs
 *     backing off now), {@code meldtown_sync_scheduler_backoff_skips_total};</li>
 * <li>{@code meldtown_sync_lock_wait_seconds{outcome}} (histogram; {@code acquired} or {@code timeout}).</li>
 * </ul>
 * Cardinality is bounded: every tag but the standing gauges' has a fixed set of values; the standing gauges are kept
 * for at most {@code meldtown.sync-metrics.max-pairs} (town, peer) pairs, the least recently updated one's gauges
 * being removed when a new pair comes (and a deleted town's or tenant's at once).
 */
@ApplicationScoped
public class SyncMetrics implements SyncObserver {
    /** Bucket bounds (seconds) of the duration histograms: a few, so that each series stays cheap. */
    private static final Duration[] BUCKETS = {Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250),
            Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10),
            Duration.ofSeconds(30), Duration.ofSeconds(60), Duration.ofSeconds(120)};
    public static final List<String> OPERATIONS = List.of("fetch", "pull", "push", "sync", "resolve");

    /** The scheduler's count of pairs backing off, read whenever the gauge is scraped. */
    private volatile IntSupplier backingOff = () -> 0;
    /**
     * The pairs' ahead/behind gauges, strongly referenced; a gauge an earlier application left in the registry (Quarkus
     * tests restart the application in one JVM) is replaced when the pair is first seen ({@code StaleGauges}).
     */
    private static final Map<String, Standing> STANDINGS = new LinkedHashMap<>(16, 0.75f, true);

    @Inject
    MeterRegistry registry;

    @ConfigProperty(name = "meldtown.sync-metrics.max-pairs", defaultValue = "1000")
    int maxPairs;

    private Counter pulled;
    private Counter pushed;

    /** One (tenant, town, peer)'s gauges and their values. */
    private record Standing(String tenant, String town, AtomicInteger ahead, AtomicInteger behind, List<Meter> meters) {
    }

    @PostConstruct
    void init() {
        pulled = Counter.builder("meldtown.sync.commits").description("Commits pulled from and pushed to peers")
                .tag("direction", "pulled").register(registry);
        pushed = Counter.builder("meldtown.sync.commits").description("Commits pulled from and pushed to peers")
                .tag("direction", "pushed").register(registry);
        dev.meldtown.service.StaleGauges.remove(registry, "meldtown.sync.scheduler.backoff.pairs", Tags.empty());
        Gauge.builder("meldtown.sync.scheduler.backoff.pairs", this, m -> m.backingOff.getAsInt()).strongReference(true)
                .description("(town, peer) pairs of scheduled federations that are backing off after failures").register(registry);
        // every series exists from the start, so that rate() and alerts see the first failure
        for (String op : OPERATIONS) {
            syncs(op, "ok", "none");
            duration(op, "ok");
        }
        for (String outcome : List.of("ok", "failed", "skipped")) {
            rounds(outcome);
        }
        backoffSkips();
        lockWait("acquired");
        lockWait("timeout");
    }

    /** One operation's result, as the engine returned it. */
    public void sync(String operation, Payloads.SyncResult r) {
        String outcome = r.error() != null ? "failed" : r.pushError() != null ? "push-failed" : "ok";
        Payloads.Error error = r.error() != null ? r.error() : r.pushError();
        syncs(operation, outcome, error == null ? "none" : error.category()).increment();
        if (r.startTime() != null && r.endTime() != null) {
            duration(operation, outcome).record(Duration.between(r.startTime(), r.endTime()));
        }
        pulled.increment(r.pulledCommits());
        pushed.increment(r.pushedCommits());
    }

    /** A scheduled round: {@code ran} pairs synced, {@code failed} of them failed, {@code skipped} backing off. */
    public void round(int ran, int failed, int skipped) {
        rounds(ran == 0 ? "skipped" : failed > 0 ? "failed" : "ok").increment();
        backoffSkips().increment(skipped);
    }

    /** Where the gauge of pairs backing off reads the scheduler's state (live, not a value copied at the last tick). */
    public void backingOff(IntSupplier pairs) {
        this.backingOff = pairs;
    }

    @Override
    public void lockWaited(String tenant, String town, Duration waited, boolean acquired) {
        lockWait(acquired ? "acquired" : "timeout").record(waited);
    }

    @Override
    public void standing(String tenant, String town, String peer, int ahead, int behind) {
        String key = tenant + "/" + town + "/" + peer;
        List<Standing> evicted = new ArrayList<>();
        Standing s;
        synchronized (STANDINGS) {
            s = STANDINGS.get(key);
            if (s == null) {
                AtomicInteger a = new AtomicInteger(ahead);
                AtomicInteger b = new AtomicInteger(behind);
                Tags tags = Tags.of("tenant", tenant, "town", town, "peer", peer);
                dev.meldtown.service.StaleGauges.remove(registry, "meldtown.sync.peer.ahead", tags);
                dev.meldtown.service.StaleGauges.remove(registry, "meldtown.sync.peer.behind", tags);
                s = new Standing(tenant, town, a, b, List.of(
                        Gauge.builder("meldtown.sync.peer.ahead", a, AtomicInteger::get).strongReference(true).tags(tags)
                                .description("Commits the town has that the peer's branch (as last fetched) lacks").register(registry),
                        Gauge.builder("meldtown.sync.peer.behind", b, AtomicInteger::get).strongReference(true).tags(tags)
                                .description("Commits the peer's branch (as last fetched) has that the town lacks").register(registry)));
                STANDINGS.put(key, s);
                for (Iterator<Standing> it = STANDINGS.values().iterator(); STANDINGS.size() > Math.max(1, maxPairs); ) {
                    evicted.add(it.next());
                    it.remove();
                }
            }
        }
        s.ahead().set(ahead);
        s.behind().set(behind);
        evicted.forEach(this::remove);
    }

    /** Forgets the standings of a deleted town ({@code town} given) or tenant ({@code town} null). */
    public void forget(String tenant, String town) {
        List<Standing> gone = new ArrayList<>();
        synchronized (STANDINGS) {
            for (Iterator<Standing> it = STANDINGS.values().iterator(); it.hasNext(); ) {
                Standing s = it.next();
                if (s.tenant().equals(tenant) && (town == null || s.town().equals(town))) {
                    gone.add(s);
                    it.remove();
                }
            }
        }
        gone.forEach(this::remove);
    }

    private void remove(Standing s) {
        s.meters().forEach(registry::remove);
    }

    private Counter syncs(String operation, String outcome, String category) {
        return Counter.builder("meldtown.sync.syncs").description("Fetches, pulls, pushes and syncs by outcome and error category")
                .tags("operation", operation, "outcome", outcome, "category", category).register(registry);
    }

    private Timer duration(String operation, String outcome) {
        return Timer.builder("meldtown.sync.duration").description("Duration of one fetch, pull, push or sync")
                .tags("operation", operation, "outcome", outcome).serviceLevelObjectives(BUCKETS).register(registry);
    }

    private Counter rounds(String outcome) {
        return Counter.builder("meldtown.sync.scheduler.rounds").description("Scheduled federation rounds this instance ran")
                .tag("outcome", outcome).register(registry);
    }

    private Counter backoffSkips() {
        return Counter.builder("meldtown.sync.scheduler.backoff.skips")
                .description("Pairs of scheduled rounds skipped because they were backing off").register(registry);
    }

    private Timer lockWait(String outcome) {
        return Timer.builder("meldtown.sync.lock.wait").description("Time an operation waited for its town's lock")
                .tag("outcome", outcome).serviceLevelObjectives(BUCKETS).register(registry);
    }
}
