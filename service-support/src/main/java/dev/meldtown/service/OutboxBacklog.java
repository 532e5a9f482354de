package dev.meldtown.service;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code meldtown_outbox_backlog{outbox}}: the entries an outbox held at its last sweep ({@code blocks} in block-store,
 * {@code merges} in merge-service, {@code syncs} in sync-orchestrator); each sweep lists the outbox anyway, so the
 * gauge costs no request. A backlog that does not shrink means Kafka has not taken the events for that long.
 */
public final class OutboxBacklog {
    /**
     * Strongly referenced (as merge-service's lag); a gauge an earlier application left in the registry (Quarkus tests
     * restart the application in one JVM) is replaced at registration ({@link StaleGauges}).
     */
    private static final Map<String, AtomicInteger> VALUES = new ConcurrentHashMap<>();

    private OutboxBacklog() {
    }

    /** Registers the gauge of {@code outbox} (0 until its first sweep) and returns the value its sweeps set. */
    public static AtomicInteger register(MeterRegistry registry, String outbox) {
        AtomicInteger value = VALUES.computeIfAbsent(outbox, o -> new AtomicInteger());
        StaleGauges.remove(registry, "meldtown.outbox.backlog", io.micrometer.core.instrument.Tags.of("outbox", outbox));
        Gauge.builder("meldtown.outbox.backlog", value, AtomicInteger::get).strongReference(true).tag("outbox", outbox)
                .description("Entries the outbox held at its last sweep (events Kafka has not acknowledged yet)").register(registry);
        return value;
    }
}
