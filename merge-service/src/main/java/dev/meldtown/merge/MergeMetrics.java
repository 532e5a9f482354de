package dev.meldtown.merge;

import dev.meldtown.service.TenantTags;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code meldtown_merge_consumer_lag} (records behind, summed over assigned partitions),
 * {@code meldtown_merge_meld_duration_seconds}, {@code meldtown_merge_copied_bytes_total},
 * {@code meldtown_merge_copied_files_total}, {@code meldtown_merge_events_total{outcome}},
 * {@code meldtown_merge_checkpoints_written_total}, {@code meldtown_merge_checkpoint_bytes} (size of each written) and
 * {@code meldtown_merge_tenant_melds_total{tenant}} (at most {@code meldtown.metrics.max-tenants} tenants, then
 * {@code other}: {@code TenantTags}). Created at start ({@code @Startup}), so that every counter is in /q/metrics, at 0,
 * before the instance's first event: a bean of its scope is otherwise made on first use, and an instance that has not
 * consumed yet had no {@code meldtown_merge_events_total} at all (CI of 2026-12-04, {@code MergeEndToEndTest}).
 */
@ApplicationScoped
@io.quarkus.runtime.Startup
public class MergeMetrics {
    @Inject
    MeterRegistry registry;

    @Inject
    TenantTags tenantTags;

    /**
     * Strongly referenced: Micrometer keeps a gauge's state object weakly, and a collected state makes the gauge
     * silently disappear from /q/metrics. A gauge an earlier application left in the registry (Quarkus tests restart
     * the application in one JVM) is replaced at start ({@code StaleGauges}).
     */
    private static final AtomicLong LAG = new AtomicLong();
    private Timer meldDuration;
    private Counter copiedBytes;
    private Counter copiedFiles;
    private Counter checkpoints;
    private Counter unlogged;
    private io.micrometer.core.instrument.DistributionSummary checkpointBytes;

    @PostConstruct
    void init() {
        dev.meldtown.service.StaleGauges.remove(registry, "meldtown.merge.consumer.lag", io.micrometer.core.instrument.Tags.empty());
        Gauge.builder("meldtown.merge.consumer.lag", LAG, AtomicLong::get).strongReference(true)
                .description("Records not yet processed on the partitions assigned to this instance").register(registry);
        meldDuration = Timer.builder("meldtown.merge.meld.duration").description("Duration of one meld (copy, refresh, policy)")
                .publishPercentiles(0.5, 0.99).register(registry);
        copiedBytes = Counter.builder("meldtown.merge.copied.bytes").description("Stored bytes copied between replicas")
                .baseUnit("bytes").register(registry);
        copiedFiles = Counter.builder("meldtown.merge.copied.files").description("Files copied between replicas").register(registry);
        checkpoints = Counter.builder("meldtown.merge.checkpoints.written").description("Read checkpoints written").register(registry);
        unlogged = Counter.builder("meldtown.merge.unlogged.blocks")
                .description("Stored blocks found without a block-log entry, and logged, when a replica was loaded or first fanned out into").register(registry);
        checkpointBytes = io.micrometer.core.instrument.DistributionSummary.builder("meldtown.merge.checkpoint.bytes")
                .description("Size of each read checkpoint written").baseUnit("bytes").register(registry);
        for (String outcome : new String[] {"completed", "dead-lettered", "retried", "ignored"}) {
            event(outcome, 0);
        }
    }

    public void checkpoint(int bytes) {
        checkpoints.increment();
        checkpointBytes.record(bytes);
    }

    /** Blocks a load found stored but not logged (a writer died between the two), now logged. */
    public void unlogged(int blocks) {
        unlogged.increment(blocks);
    }

    public void lag(long records) {
        LAG.set(records);
    }

    public void meld(String tenant, Duration took, long bytes, int files) {
        meldDuration.record(took);
        Counter.builder("meldtown.merge.tenant.melds").description("Melds per tenant (bounded: TenantTags)")
                .tag("tenant", tenantTags.of(tenant)).register(registry).increment();
        copiedBytes.increment(bytes);
        copiedFiles.increment(files);
    }

    public void event(String outcome) {
        event(outcome, 1);
    }

    private void event(String outcome, int n) {
        Counter.builder("meldtown.merge.events").description("Consumed events by outcome").tag("outcome", outcome)
                .register(registry).increment(n);
    }
}
