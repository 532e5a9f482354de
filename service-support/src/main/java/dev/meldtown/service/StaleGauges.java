package dev.meldtown.service;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;

/**
 * Registering a gauge whose name and tags a registry already holds returns the gauge registered first, bound to its
 * state object. Quarkus tests restart the application in one JVM with one registry and a new class loader (so new
 * statics as well): that first gauge then reads a previous application's state, for good. A gauge is therefore
 * registered after {@link #remove} (the sync scheduler's backoff gauge read 0 in a whole-module run).
 */
public final class StaleGauges {
    private StaleGauges() {
    }

    /** Removes the gauges of {@code name} with {@code tags} (and possibly more tags) an earlier application left. */
    public static void remove(MeterRegistry registry, String name, Tags tags) {
        registry.find(name).tags(tags).gauges().forEach(registry::remove);
    }
}
