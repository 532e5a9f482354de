package dev.meldtown.blockstore.internal;

import dev.meldtown.model.DocRef;
import dev.meldtown.model.ReplicaRef;
import dev.meldtown.model.Scope;
import dev.meldtown.service.Deletions;
import dev.meldtown.service.ProblemException;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Quotas and rate limits per tenant (issue 14): stored bytes, documents, and write requests per second; what the
 * resources and {@link Files} ask, and the checks before any write.
 * <p>
 * <b>Limits</b>: {@link QuotaLimits} (the deployment's defaults, an operator's override per tenant).
 * <p>
 * <b>Usage</b>: {@link UsageLedger} (bytes and documents, kept incrementally and saved with conditional writes, so
 * that any number of instances add up) and {@link DocumentMarkers} (which documents count).
 * <p>
 * <b>Rate</b>: {@link WriteRates} (a token bucket per tenant and instance).
 */
@ApplicationScoped
public class Quotas {
    /** A tenant's limits; null = no limit. */
    public record Limits(Long maxBytes, Long maxDocuments, Long writesPerSecond) {
    }

    /** A tenant's usage, its effective limits, and whether an operator set them. */
    public record Usage(long bytes, long documents, Limits limits, boolean overridden) {
    }

    /** Identity of the usage's flush job in Quarkus's scheduler (tests that count S3 requests pause it). */
    public static final String FLUSH_JOB = UsageLedger.FLUSH_JOB;

    @Inject
    Deletions deletions;

    @Inject
    MeterRegistry registry;

    @Inject
    QuotaLimits quotaLimits;

    @Inject
    WriteRates writeRates;

    @Inject
    UsageLedger ledger;

    @Inject
    DocumentMarkers markers;

    @ConfigProperty(name = "meldtown.quotas.metrics.max-tenants", defaultValue = "100")
    int maxMetricTenants;

    private final Set<String> metricTenants = ConcurrentHashMap.newKeySet();

    // ------------------------------------------------------------------ limits ({@link QuotaLimits}) and rate ({@link WriteRates})

    public Limits defaults() {
        return quotaLimits.defaults();
    }

    /** The limits in force: each field of the operator's override, else the deployment's default. */
    public Limits limits(String tenant) {
        return quotaLimits.limits(tenant);
    }

    /**
     * Stores an operator's limits for {@code tenant} (null fields take the deployment's defaults; all null: the tenant
     * goes back to the defaults and its override is removed); the tenant's usage under them.
     */
    public Usage setLimits(String tenant, Limits limits) {
        deletions.requireAlive(Scope.tenant(tenant));
        quotaLimits.set(tenant, limits);
        writeRates.forget(tenant);
        return usage(tenant);
    }

    /**
     * 429 {@code quota-writes-per-second} with {@code Retry-After} when the tenant used up this second's write
     * requests on this instance.
     */
    public void acquireWrite(String tenant) {
        Long perSecond = limits(tenant).writesPerSecond();
        if (perSecond == null) {
            return;
        }
        long waitNanos = writeRates.acquire(tenant, perSecond);
        if (waitNanos == 0) {
            return;
        }
        refused("writes-per-second");
        long retryAfter = Math.max(1, (waitNanos + 999_999_999L) / 1_000_000_000L);
        throw new ProblemException(429, "quota-writes-per-second", "Too Many Requests",
                "tenant " + tenant + " may make at most " + perSecond + " write requests per second (limit writesPerSecond)",
                Map.of("limit", "writesPerSecond", "value", perSecond), Map.of("Retry-After", String.valueOf(retryAfter)));
    }

    // ------------------------------------------------------------------ usage ({@link UsageLedger}, {@link DocumentMarkers})

    public Usage usage(String tenant) {
        deletions.requireAlive(Scope.tenant(tenant));
        track(tenant);
        UsageLedger.Counts counts = ledger.counts(tenant);
        return new Usage(counts.bytes(), counts.documents(), limits(tenant), quotaLimits.overridden(tenant));
    }

    /** A new replica file of {@code size} stored bytes: the tenant's usage and the replica's share of it. */
    public void stored(ReplicaRef replica, long size) {
        ledger.stored(replica, size);
    }

    /**
     * Before a document or replica is removed: notes once what it gives back ({@link UsageLedger#noteRelease}). Nothing
     * of the scope is removed before the note exists, and the deletion is due only after every instance stopped writing
     * to the scope and saved its counts ({@code meldtown.block-store.deletions.delay} is longer than the flush and
     * caches).
     */
    public void noteRelease(Scope scope) {
        ledger.noteRelease(scope, () -> scope.isDoc() && markers.stored(scope.docRef()) ? 1 : 0);
    }

    /** Once a document or replica is removed: gives back what its note says, once; a document's marker goes after. */
    public void release(Scope scope) {
        if (ledger.release(scope) && scope.isDoc()) {
            markers.removed(scope.docRef());
        }
    }

    /** A deleted tenant: its bookkeeping goes with its prefix, nothing is left to flush for it. */
    public void forgetTenant(String tenant) {
        ledger.forget(tenant);
        quotaLimits.forget(tenant);
        writeRates.forget(tenant);
        markers.forget(tenant);
    }

    // ------------------------------------------------------------------ checks (before any write)

    /**
     * 413 {@code quota-bytes} when storing {@code size} more bytes (0 when unknown before the write, as for a commit:
     * then refused once the usage has reached the limit) would exceed the tenant's {@code maxBytes}.
     */
    public void requireRoom(String tenant, long size) {
        Long max = limits(tenant).maxBytes();
        if (max == null) {
            return;
        }
        long used = usage(tenant).bytes();
        if (size > 0 ? used + size > max : used >= max) {
            refused("bytes");
            throw new ProblemException(413, "quota-bytes", "Storage quota exceeded",
                    "tenant " + tenant + " stores " + used + " of at most " + max + " bytes (limit maxBytes)"
                            + (size > 0 ? "; this file adds " + size : ""),
                    Map.of("limit", "maxBytes", "value", max, "used", used));
        }
    }

    /** 413 {@code quota-documents} when a write would create a document beyond the tenant's {@code maxDocuments}. */
    public void requireDocument(DocRef doc) {
        if (markers.known(doc)) {
            return;
        }
        String tenant = doc.tenant().value();
        Long max = limits(tenant).maxDocuments();
        if (max == null || markers.counted(doc)) {
            return;
        }
        long used = usage(tenant).documents();
        if (used >= max) {
            refused("documents");
            throw new ProblemException(413, "quota-documents", "Document quota exceeded",
                    "tenant " + tenant + " has " + used + " of at most " + max + " documents (limit maxDocuments)",
                    Map.of("limit", "maxDocuments", "value", max, "used", used));
        }
    }

    /** After a successful write: the document counts from now on (once, whichever instance gets there first). */
    public void documentWritten(DocRef doc) {
        if (markers.mark(doc)) {
            ledger.documentAdded(doc.tenant().value());
        }
    }

    // ------------------------------------------------------------------ metrics

    private void refused(String limit) {
        registry.counter("meldtown.quota.refusals", "limit", limit).increment();
    }

    /**
     * Per-tenant gauges for at most {@code meldtown.quotas.metrics.max-tenants} tenants per instance (bounded
     * cardinality); they read what the instance knows (no S3 request during a scrape).
     */
    private void track(String tenant) {
        if (metricTenants.contains(tenant) || metricTenants.size() >= maxMetricTenants) {
            return;
        }
        if (metricTenants.add(tenant)) {
            Gauge.builder("meldtown.quota.usage.bytes", () -> ledger.known(tenant, true)).tag("tenant", tenant)
                    .description("Stored bytes of the tenant's replica files (issue 14 quotas)").baseUnit("bytes").register(registry);
            Gauge.builder("meldtown.quota.usage.documents", () -> ledger.known(tenant, false)).tag("tenant", tenant)
                    .description("The tenant's documents (issue 14 quotas)").register(registry);
            Gauge.builder("meldtown.quota.limit.bytes", () -> quotaLimits.known(tenant, Limits::maxBytes)).tag("tenant", tenant)
                    .description("The tenant's maxBytes (-1: no limit)").baseUnit("bytes").register(registry);
            Gauge.builder("meldtown.quota.limit.documents", () -> quotaLimits.known(tenant, Limits::maxDocuments)).tag("tenant", tenant)
                    .description("The tenant's maxDocuments (-1: no limit)").register(registry);
        }
    }
}
