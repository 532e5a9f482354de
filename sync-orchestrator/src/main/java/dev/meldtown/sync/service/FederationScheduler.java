package dev.meldtown.sync.service;

import dev.meldtown.events.Payloads;
import dev.meldtown.service.LogContext;
import dev.meldtown.service.S3Config;
import dev.meldtown.service.Workers;
import dev.meldtown.sync.federation.Topology;
import dev.meldtown.sync.service.internal.RoundLease;
import dev.meldtown.sync.service.internal.RoundTicker;
import dev.meldtown.sync.service.internal.SyncMetrics;
import io.quarkus.scheduler.Scheduled;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Runs federations that have {@code intervalSeconds}: a round every interval plus up to 10 % jitter, and each round
 * exactly once across all instances that share the S3 bucket: an instance runs a round only after it claimed it
 * through the {@link RoundLease} (a conditional S3 write). A (town, peer) pair whose sync failed is skipped with
 * exponential backoff (interval × 2^failures, at most {@code meldtown.sync-schedule.max-backoff}) until it succeeds
 * again; that backoff is kept by the instance that ran the round. The per-town lock of the engine keeps scheduled,
 * REST and event-triggered syncs of one town from overlapping, also across instances.
 */
@ApplicationScoped
public class FederationScheduler {
    private static final Logger LOG = Logger.getLogger(FederationScheduler.class);

    @Inject
    Registry registry;

    @Inject
    FederationService service;

    @Inject
    S3Client s3;

    @Inject
    S3Config s3Config;

    @ConfigProperty(name = "meldtown.sync-schedule.enabled", defaultValue = "true")
    boolean enabled;

    @ConfigProperty(name = "meldtown.sync-schedule.max-backoff", defaultValue = "PT1H")
    Duration maxBackoff;

    /** Names this instance in the round claims (default: host name and a random suffix). */
    @ConfigProperty(name = "meldtown.sync-schedule.instance-id")
    Optional<String> instanceId;

    /** Liveness: a scheduler with no tick for this long while no round is running is dead. */
    @ConfigProperty(name = "meldtown.sync-schedule.max-silence", defaultValue = "PT2M")
    Duration maxSilence;

    @Inject
    Workers workers;

    @Inject
    SyncMetrics metrics;

    private final Instant started = Instant.now();
    private final Map<String, Backoff> backoff = new ConcurrentHashMap<>();
    private final AtomicBoolean busy = new AtomicBoolean();
    private volatile Instant lastTick;
    private RoundTicker ticker;

    /** A (town, peer) pair that failed {@code failures} times in a row and is skipped until {@code until}. */
    public record Backoff(int failures, Instant until) {
    }

    @PostConstruct
    void init() {
        String id = instanceId.orElseGet(() -> {
            String host = System.getenv().getOrDefault("HOSTNAME", "sync");
            return host + "-" + UUID.randomUUID().toString().substring(0, 8);
        });
        ticker = new RoundTicker(new RoundLease(s3, s3Config.bucket(), id, Clock.systemUTC()));
        if (enabled) {
            workers.watch("federation scheduler", () -> {
                Instant last = lastTick != null ? lastTick : started;
                return idle() && Instant.now().isAfter(last.plus(maxSilence)) ? "no scheduler tick since " + last : null;
            });
        }
    }

    /** True while no scheduled round is running. */
    public boolean idle() {
        return !busy.get();
    }

    /** When the last tick finished (null before the first): a scheduler that stopped ticking is visible. */
    public Instant lastTick() {
        return lastTick;
    }

    /** The bucket prefix under which the rounds of a federation are claimed (one object per round). */
    public static String claimsPrefix(String tenant, String federation) {
        return RoundLease.claimsPrefix(tenant, federation);
    }

    /** The name this instance writes into the round claims. */
    public String instanceId() {
        return ticker.lease().owner();
    }

    @Scheduled(every = "${meldtown.sync-schedule.tick:5s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            delayed = "${meldtown.sync-schedule.initial-delay:5s}")
    void tick() {
        if (!enabled) {
            return;
        }
        try {
            List<RoundTicker.Scheduled> scheduled = new ArrayList<>();
            Map<String, Model.FederationView> views = new ConcurrentHashMap<>();
            for (String tenant : registry.tenants()) {
                for (var fed : registry.federations(tenant)) {
                    if (fed.intervalSeconds() != null) {
                        scheduled.add(new RoundTicker.Scheduled(tenant, fed.name(), fed.intervalSeconds()));
                        views.put(tenant + "/" + fed.name(), fed);
                    }
                }
            }
            ticker.tick(scheduled, claim -> {
                var fed = views.get(claim.tenant() + "/" + claim.federation());
                busy.set(true);
                try {
                    LOG.debugf("round %d of %s/%s claimed by %s", claim.round(), claim.tenant(), claim.federation(), instanceId());
                    LogContext.of("tenant", claim.tenant(), "federation", claim.federation());
                    round(claim.tenant(), fed, Duration.ofSeconds(fed.intervalSeconds()));
                } finally {
                    LogContext.clear();
                    busy.set(false);
                }
            });
        } catch (RuntimeException e) {
            LOG.warnf("scheduler tick failed: %s", e.toString());
        } catch (Error e) {
            LOG.error("scheduler tick failed with an Error; the next tick runs as usual", e);
        } finally {
            metrics.backingOff(this::backingOff);
            lastTick = Instant.now();
        }
    }

    private void round(String tenant, Model.FederationView fed, Duration interval) {
        var pairs = Topology.parse(fed.topology()).round(fed.towns());
        Instant started = Instant.now();
        List<Payloads.SyncResult> results = new ArrayList<>();
        int failed = 0;
        int skipped = 0;
        for (var pair : pairs) {
            String key = tenant + "/" + pair.town() + "/" + pair.peer();
            Backoff b = backoff.get(key);
            if (b != null && Instant.now().isBefore(b.until())) {
                skipped++;
                continue;
            }
            LogContext.of("town", pair.town(), "peer", pair.peer());
            Payloads.SyncResult r = service.runScheduled(tenant, pair.town(), pair.peer(), fed.strategy());
            if (r != null) {
                results.add(r);
            }
            if (r != null && r.error() == null && r.pushError() == null) {
                backoff.remove(key);
            } else {
                failed++;
                int failures = b == null ? 1 : b.failures() + 1;
                long factor = 1L << Math.min(failures, 16);
                Duration wait = interval.multipliedBy(factor);
                if (wait.compareTo(maxBackoff) > 0) {
                    wait = maxBackoff;
                }
                backoff.put(key, new Backoff(failures, Instant.now().plus(wait)));
            }
        }
        metrics.round(pairs.size() - skipped, failed, skipped);
        metrics.backingOff(this::backingOff);
        // a round whose every pair was backing off ran nothing: the last round that did stays; nor for a federation deleted meanwhile
        if (!results.isEmpty() && registry.federation(tenant, fed.name()).isPresent()) {
            registry.putLastRound(tenant, fed.name(), new Model.LastRound(started, Instant.now(), true, results));
        }
    }

    /** Pairs whose backoff has not ended yet. */
    private int backingOff() {
        Instant now = Instant.now();
        return (int) backoff.values().stream().filter(b -> now.isBefore(b.until())).count();
    }

    /** For status and tests: pairs currently backing off. */
    public Map<String, Backoff> backoffs() {
        return Map.copyOf(backoff);
    }
}
