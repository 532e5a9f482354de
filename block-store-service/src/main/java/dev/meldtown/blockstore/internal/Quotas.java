package dev.meldtown.blockstore.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meldtown.events.EventCodec;
import dev.meldtown.model.DocRef;
import dev.meldtown.model.ReplicaRef;
import dev.meldtown.model.Scope;
import dev.meldtown.service.Deletions;
import dev.meldtown.service.ProblemException;
import dev.meldtown.service.S3Config;
import dev.meldtown.storage.s3.BucketLayout;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Quotas and rate limits per tenant (issue 14): stored bytes, documents, and write requests per second.
 * <p>
 * <b>Limits</b>: {@link QuotaLimits} (the deployment's defaults, an operator's override per tenant).
 * <p>
 * <b>Usage</b> is kept incrementally, never by scanning: every replica file this service stores new adds its stored
 * size ({@link #stored}), a document is counted the first time a write to it succeeds (an empty marker written once
 * with {@code If-None-Match: *}, so two instances never count it twice), and a deletion gives back exactly what its
 * replicas were charged ({@link #noteRelease}, {@link #release}). Each instance adds its changes to pending deltas and
 * folds them into {@link BucketLayout.Quotas#usage} and each replica's record ({@link BucketLayout.Quotas#replica})
 * every {@code meldtown.quotas.flush-every} with conditional writes ({@code If-Match} on the ETag read,
 * {@code If-None-Match: *} for the first), retried on a lost race; so any number of instances add up exactly. An
 * instance sees its own writes at once and another's within the flush period plus the cache period.
 * <p>
 * <b>Rate</b>: {@link WriteRates} (a token bucket per tenant and instance).
 */
@ApplicationScoped
public class Quotas {
    /** A tenant's limits; null = no limit. */
    public record Limits(Long maxBytes, Long maxDocuments, Long writesPerSecond) {
    }

    private static final Logger LOG = Logger.getLogger(Quotas.class);
    /** Identity of the flush job in Quarkus's scheduler (tests that count S3 requests pause it). */
    public static final String FLUSH_JOB = "meldtown-quota-flush";
    private static final int MAX_KNOWN_DOCS = 10_000;
    private static final int CAS_ATTEMPTS = 16;

    @Inject
    S3Client s3;

    @Inject
    S3Config s3Config;

    @Inject
    Deletions deletions;

    @Inject
    MeterRegistry registry;

    @ConfigProperty(name = "meldtown.quotas.cache", defaultValue = "PT2S")
    Duration cacheTtl;

    @ConfigProperty(name = "meldtown.quotas.metrics.max-tenants", defaultValue = "100")
    int maxMetricTenants;

    /** A tenant's usage, its effective limits, and whether an operator set them. */
    public record Usage(long bytes, long documents, Limits limits, boolean overridden) {
    }

    /** A saved counter object (usage, a replica's bytes) as read: its JSON (empty when absent) and ETag (null then). */
    private record Saved(ObjectNode json, String etag) {
        long bytes() {
            return json.path("bytes").asLong();
        }

        long documents() {
            return json.path("documents").asLong();
        }
    }

    /**
     * What an instance knows of a tenant's usage: the saved counts (read at most {@code cache} ago), the changes a flush
     * is saving right now, and the changes not saved yet. A refresh read from the bucket is installed only if no save
     * completed meanwhile ({@code generation}), so a slow read never replaces newer counts.
     */
    private static final class State {
        long savedBytes;
        long savedDocuments;
        long expiresAt;
        boolean loaded;
        long generation;
        long savingBytes;
        long savingDocuments;
        long pendingBytes;
        long pendingDocuments;
        /** Bytes per replica ({@code doc/replica}) not saved yet into the replicas' records; not part of the view. */
        Map<String, Long> pendingReplicas = new java.util.HashMap<>();

        synchronized long bytes() {
            return savedBytes + savingBytes + pendingBytes;
        }

        synchronized long documents() {
            return savedDocuments + savingDocuments + pendingDocuments;
        }

        synchronized void saved(long bytes, long documents, long expiresAt) {
            savedBytes = bytes;
            savedDocuments = documents;
            this.expiresAt = expiresAt;
            loaded = true;
            generation++;
        }
    }

    private final Map<String, State> states = new ConcurrentHashMap<>();
    private final Object saving = new Object();
    private final Set<String> knownDocs = ConcurrentHashMap.newKeySet();
    private final Set<String> metricTenants = ConcurrentHashMap.newKeySet();

    @Inject
    QuotaLimits quotaLimits;

    @Inject
    WriteRates writeRates;

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


    // ------------------------------------------------------------------ usage

    public Usage usage(String tenant) {
        deletions.requireAlive(Scope.tenant(tenant));
        track(tenant);
        State state = fresh(tenant);
        return new Usage(Math.max(0, state.bytes()), Math.max(0, state.documents()), limits(tenant), quotaLimits.overridden(tenant));
    }

    private State state(String tenant) {
        return states.computeIfAbsent(tenant, t -> new State());
    }

    /** The tenant's state with its saved counts read at most {@code cache} ago. */
    private State fresh(String tenant) {
        State state = state(tenant);
        long generation;
        synchronized (state) {
            if (state.loaded && state.expiresAt - System.nanoTime() > 0) {
                return state;
            }
            generation = state.generation;
        }
        Saved read = read(BucketLayout.Quotas.usage(tenant));
        synchronized (state) {
            if (state.generation == generation) {
                state.saved(read.bytes(), read.documents(), System.nanoTime() + cacheTtl.toNanos());
            }
        }
        return state;
    }


    private Saved read(String key) {
        try {
            var response = s3.getObjectAsBytes(b -> b.bucket(s3Config.bucket()).key(key));
            JsonNode json = EventCodec.mapper().readTree(response.asByteArray());
            if (!(json instanceof ObjectNode object)) {
                throw new IllegalStateException(key + " holds no JSON object");
            }
            return new Saved(object, response.response().eTag());
        } catch (NoSuchKeyException e) {
            return new Saved(EventCodec.mapper().createObjectNode(), null);
        } catch (IOException e) {
            throw new IllegalStateException("unreadable " + key, e);
        }
    }

    /**
     * Adds {@code deltas} to the counters of the object at {@code key} (never below 0) with a conditional write: the
     * ETag read ({@code If-Match}) or none yet ({@code If-None-Match: *}); retried while another writer wins the race.
     *
     * @return the counters written
     */
    private ObjectNode add(String key, Map<String, Long> deltas) {
        for (int attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
            Saved current = read(key);
            ObjectNode json = current.json().deepCopy();
            deltas.forEach((field, delta) -> json.put(field, Math.max(0, json.path(field).asLong() + delta)));
            json.put("updatedAt", java.time.Instant.now().toString());
            try {
                byte[] body = EventCodec.mapper().writeValueAsBytes(json);
                s3.putObject(b -> {
                    b.bucket(s3Config.bucket()).key(key).contentType("application/json");
                    if (current.etag() == null) {
                        b.ifNoneMatch("*");
                    } else {
                        b.ifMatch(current.etag());
                    }
                }, RequestBody.fromBytes(body));
                return json;
            } catch (S3Exception e) {
                if (e.statusCode() != 412 && e.statusCode() != 409) {
                    throw e;
                }
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
        throw new IllegalStateException(key + " changed " + CAS_ATTEMPTS + " times while it was updated");
    }

    /** A new replica file of {@code size} stored bytes: the tenant's usage and the replica's share of it. */
    public void stored(ReplicaRef replica, long size) {
        State state = state(replica.tenant().value());
        synchronized (state) {
            state.pendingBytes += size;
            state.pendingReplicas.merge(replica.doc().doc() + "/" + replica.replica(), size, Long::sum);
        }
    }

    /**
     * Before a document or replica is removed: notes once what it gives back, the bytes counted for its replicas
     * ({@link BucketLayout.Quotas#replica}: exactly what was charged, whoever else wrote into them) and, for a
     * document, its place. The first instance to get here writes the note ({@code If-None-Match: *}). Nothing of the
     * scope is removed before the note exists, and the deletion is due only after every instance stopped writing to the
     * scope and saved its counts ({@code meldtown.block-store.deletions.delay} is longer than the flush and caches).
     */
    public void noteRelease(Scope scope) {
        String key = BucketLayout.Quotas.release(scope);
        if (exists(key)) {
            return;
        }
        State own = states.get(scope.tenant().value());
        if (own != null) {
            flush(scope.tenant().value(), own); // this instance's part, saved now rather than at the next flush
        }
        long bytes = 0;
        for (String record : replicaRecords(scope)) {
            bytes += read(record).bytes();
        }
        long docs = scope.isDoc() && exists(BucketLayout.Quotas.doc(scope.docRef())) ? 1 : 0;
        ObjectNode note = EventCodec.mapper().createObjectNode().put("bytes", bytes).put("documents", docs);
        try {
            s3.putObject(b -> b.bucket(s3Config.bucket()).key(key).ifNoneMatch("*").contentType("application/json"),
                    RequestBody.fromBytes(EventCodec.mapper().writeValueAsBytes(note)));
        } catch (S3Exception e) {
            if (e.statusCode() != 412 && e.statusCode() != 409) {
                throw e;
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The replica records of a scope: one for a replica, those listed under the document for a document. */
    private List<String> replicaRecords(Scope scope) {
        if (scope.isReplica()) {
            return List.of(BucketLayout.Quotas.replica(scope.replicaRef()));
        }
        return s3.listObjectsV2Paginator(b -> b.bucket(s3Config.bucket()).prefix(BucketLayout.Quotas.replicas(scope.docRef())))
                .contents().stream().map(o -> o.key()).toList();
    }

    /**
     * Once a document or replica is removed: gives back what its note says, once. Claiming the scope's
     * {@link BucketLayout.Quotas#released} mark ({@code If-None-Match: *}, atomic on S3 and on S3Proxy) decides which
     * instance gives it back; a crash between the claim and the usage update leaves the usage too high (never too low).
     * The scope's replica records and document marker go after. (The note itself was marked {@code applied} with
     * {@code If-Match} before: S3Proxy checks that and then writes, so two instances both gave a scope back,
     * {@code QuotaStackTest}'s failures of 2026-12-03.)
     */
    public void release(Scope scope) {
        String key = BucketLayout.Quotas.release(scope);
        Saved note = read(key);
        if (note.etag() == null || note.json().path("applied").asBoolean()) {
            return; // no note: removed before quotas were kept; applied: given back already (a note marked the old way)
        }
        try {
            s3.putObject(b -> b.bucket(s3Config.bucket()).key(BucketLayout.Quotas.released(scope)).ifNoneMatch("*"), RequestBody.empty());
        } catch (S3Exception e) {
            if (e.statusCode() == 412 || e.statusCode() == 409) {
                return; // another instance gives it back, or gave it back
            }
            throw e;
        }
        apply(scope.tenant().value(), -note.bytes(), -note.documents(), false);
        for (String record : replicaRecords(scope)) {
            s3.deleteObject(b -> b.bucket(s3Config.bucket()).key(record));
        }
        if (scope.isDoc()) {
            knownDocs.remove(scope.docRef().toString());
            s3.deleteObject(b -> b.bucket(s3Config.bucket()).key(BucketLayout.Quotas.doc(scope.docRef())));
        }
    }

    private boolean exists(String key) {
        try {
            s3.headObject(b -> b.bucket(s3Config.bucket()).key(key));
            return true;
        } catch (NoSuchKeyException e) {
            return false;
        }
    }

    /** A deleted tenant: its bookkeeping goes with its prefix, nothing is left to flush for it. */
    public void forgetTenant(String tenant) {
        states.remove(tenant);
        quotaLimits.forget(tenant);
        writeRates.forget(tenant);
        knownDocs.removeIf(d -> d.startsWith(tenant + "/"));
    }

    /**
     * Folds every tenant's pending changes into its usage object, then each replica's into the replica's record (in
     * that order: a crash between them leaves a replica charged less than the tenant, so its deletion gives back less,
     * never more).
     */
    @Scheduled(identity = FLUSH_JOB, every = "${meldtown.quotas.flush-every:1s}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP, delayed = "1s")
    void flush() {
        for (Map.Entry<String, State> e : states.entrySet()) {
            flush(e.getKey(), e.getValue());
        }
    }

    /** Saves one tenant's pending changes; one save at a time per instance ({@code saving}). */
    private void flush(String tenant, State state) {
        synchronized (saving) {
            long bytes;
            long docs;
            Map<String, Long> replicas;
            synchronized (state) {
                bytes = state.pendingBytes;
                docs = state.pendingDocuments;
                replicas = state.pendingReplicas;
                if (bytes == 0 && docs == 0 && replicas.isEmpty()) {
                    return;
                }
                state.savingBytes = bytes;
                state.savingDocuments = docs;
                state.pendingBytes = 0;
                state.pendingDocuments = 0;
                state.pendingReplicas = new java.util.HashMap<>();
            }
            if (deletions.deleted(Scope.tenant(tenant)) != null) {
                synchronized (state) {
                    state.savingBytes = 0;
                    state.savingDocuments = 0;
                }
                return; // its prefix is being removed: write nothing back under it
            }
            boolean saved = bytes == 0 && docs == 0;
            try {
                if (!saved) {
                    apply(tenant, bytes, docs, true);
                    saved = true;
                }
                for (var it = replicas.entrySet().iterator(); it.hasNext(); ) {
                    var r = it.next();
                    String[] name = r.getKey().split("/", 2);
                    add(BucketLayout.Quotas.replica(ReplicaRef.of(tenant, name[0], name[1])), Map.of("bytes", r.getValue()));
                    it.remove();
                }
            } catch (RuntimeException ex) {
                LOG.warnf("quota usage of tenant %s not saved (retried on the next flush): %s", tenant, ex.getMessage());
            } finally {
                synchronized (state) {
                    state.savingBytes = 0;
                    state.savingDocuments = 0;
                    if (!saved) {
                        state.pendingBytes += bytes;
                        state.pendingDocuments += docs;
                    }
                    replicas.forEach((r, n) -> state.pendingReplicas.merge(r, n, Long::sum));
                }
            }
        }
    }

    /**
     * Adds the deltas to the tenant's usage object ({@link #add}); the instance's saved counts become what it wrote
     * (and, for a flush, include what it was saving). One save at a time per instance, so a give-back never races this
     * instance's flush; other instances are kept apart by the conditional write.
     */
    private void apply(String tenant, long bytes, long docs, boolean flushing) {
        synchronized (saving) {
            ObjectNode written = add(BucketLayout.Quotas.usage(tenant), Map.of("bytes", bytes, "documents", docs));
            State state = state(tenant);
            synchronized (state) {
                state.saved(written.path("bytes").asLong(), written.path("documents").asLong(), System.nanoTime() + cacheTtl.toNanos());
                if (flushing) {
                    state.savingBytes = 0;
                    state.savingDocuments = 0;
                }
            }
        }
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
        if (knownDocs.contains(doc.toString())) {
            return;
        }
        String tenant = doc.tenant().value();
        Long max = limits(tenant).maxDocuments();
        if (max == null || markerExists(doc)) {
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

    private boolean markerExists(DocRef doc) {
        try {
            s3.headObject(b -> b.bucket(s3Config.bucket()).key(BucketLayout.Quotas.doc(doc)));
            remember(doc);
            return true;
        } catch (NoSuchKeyException e) {
            return false;
        }
    }

    /** After a successful write: the document counts from now on (once, whichever instance gets there first). */
    public void documentWritten(DocRef doc) {
        if (knownDocs.contains(doc.toString())) {
            return;
        }
        try {
            s3.putObject(b -> b.bucket(s3Config.bucket()).key(BucketLayout.Quotas.doc(doc)).ifNoneMatch("*"), RequestBody.empty());
            State state = state(doc.tenant().value());
            synchronized (state) {
                state.pendingDocuments++;
            }
        } catch (S3Exception e) {
            if (e.statusCode() != 412 && e.statusCode() != 409) {
                throw e;
            }
        }
        remember(doc);
    }

    private void remember(DocRef doc) {
        if (knownDocs.size() >= MAX_KNOWN_DOCS) {
            knownDocs.clear();
        }
        knownDocs.add(doc.toString());
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
            Gauge.builder("meldtown.quota.usage.bytes", () -> known(tenant, true)).tag("tenant", tenant)
                    .description("Stored bytes of the tenant's replica files (issue 14 quotas)").baseUnit("bytes").register(registry);
            Gauge.builder("meldtown.quota.usage.documents", () -> known(tenant, false)).tag("tenant", tenant)
                    .description("The tenant's documents (issue 14 quotas)").register(registry);
            Gauge.builder("meldtown.quota.limit.bytes", () -> quotaLimits.known(tenant, Limits::maxBytes)).tag("tenant", tenant)
                    .description("The tenant's maxBytes (-1: no limit)").baseUnit("bytes").register(registry);
            Gauge.builder("meldtown.quota.limit.documents", () -> quotaLimits.known(tenant, Limits::maxDocuments)).tag("tenant", tenant)
                    .description("The tenant's maxDocuments (-1: no limit)").register(registry);
        }
    }

    private double known(String tenant, boolean bytes) {
        State state = states.get(tenant);
        return state == null ? 0 : Math.max(0, bytes ? state.bytes() : state.documents());
    }

}
