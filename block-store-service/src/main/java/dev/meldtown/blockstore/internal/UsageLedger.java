package dev.meldtown.blockstore.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meldtown.events.EventCodec;
import dev.meldtown.model.ReplicaRef;
import dev.meldtown.model.Scope;
import dev.meldtown.service.Deletions;
import dev.meldtown.service.S3Config;
import dev.meldtown.storage.s3.BucketLayout;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * The tenants' usage (issue 14 quotas), kept incrementally, never by scanning: every replica file this service stores
 * new adds its stored size ({@link #stored}), a document adds one when it is first counted ({@link #documentAdded}, after
 * {@link DocumentMarkers}), and a deletion gives back exactly what its replicas were charged ({@link #noteRelease},
 * {@link #release}). Each instance adds its changes to pending deltas and folds them into
 * {@link BucketLayout.Quotas#usage} and each replica's record ({@link BucketLayout.Quotas#replica}) every
 * {@code meldtown.quotas.flush-every} with conditional writes ({@code If-Match} on the ETag read,
 * {@code If-None-Match: *} for the first), retried on a lost race; so any number of instances add up exactly. An
 * instance sees its own writes at once and another's within the flush period plus the cache period.
 */
@ApplicationScoped
public class UsageLedger {
    private static final Logger LOG = Logger.getLogger(UsageLedger.class);
    /** Identity of the flush job in Quarkus's scheduler (tests that count S3 requests pause it). */
    public static final String FLUSH_JOB = "meldtown-quota-flush";
    private static final int CAS_ATTEMPTS = 16;

    /** A tenant's stored bytes and documents, never below 0. */
    public record Counts(long bytes, long documents) {
    }

    @Inject
    S3Client s3;

    @Inject
    S3Config s3Config;

    @Inject
    Deletions deletions;

    @ConfigProperty(name = "meldtown.quotas.cache", defaultValue = "PT2S")
    Duration cacheTtl;

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

    /** The tenant's counts, its saved ones read at most {@code meldtown.quotas.cache} ago. */
    public Counts counts(String tenant) {
        State state = fresh(tenant);
        return new Counts(Math.max(0, state.bytes()), Math.max(0, state.documents()));
    }

    /** What this instance knows of the tenant's bytes or documents, with no S3 request (for gauges). */
    public double known(String tenant, boolean bytes) {
        State state = states.get(tenant);
        return state == null ? 0 : Math.max(0, bytes ? state.bytes() : state.documents());
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

    private boolean exists(String key) {
        try {
            s3.headObject(b -> b.bucket(s3Config.bucket()).key(key));
            return true;
        } catch (NoSuchKeyException e) {
            return false;
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

    /** A document of the tenant is counted from now on. */
    public void documentAdded(String tenant) {
        State state = state(tenant);
        synchronized (state) {
            state.pendingDocuments++;
        }
    }

    /**
     * Before a document or replica is removed: notes once what it gives back, the bytes counted for its replicas
     * ({@link BucketLayout.Quotas#replica}: exactly what was charged, whoever else wrote into them) and the
     * {@code documents} it counted (1 for a document that was counted, asked only when the note is to be written). The
     * first instance to get here writes the note ({@code If-None-Match: *}).
     */
    public void noteRelease(Scope scope, java.util.function.LongSupplier documents) {
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
        long docs = documents.getAsLong();
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
     * The scope's replica records go after. (The note itself was marked {@code applied} with {@code If-Match} before:
     * S3Proxy checks that and then writes, so two instances both gave a scope back, {@code QuotaStackTest}'s failures
     * of 2026-12-03.)
     *
     * @return true when this instance gave it back (the caller then removes the document's marker)
     */
    public boolean release(Scope scope) {
        String key = BucketLayout.Quotas.release(scope);
        Saved note = read(key);
        if (note.etag() == null || note.json().path("applied").asBoolean()) {
            return false; // no note: removed before quotas were kept; applied: given back already (a note marked the old way)
        }
        try {
            s3.putObject(b -> b.bucket(s3Config.bucket()).key(BucketLayout.Quotas.released(scope)).ifNoneMatch("*"), RequestBody.empty());
        } catch (S3Exception e) {
            if (e.statusCode() == 412 || e.statusCode() == 409) {
                return false; // another instance gives it back, or gave it back
            }
            throw e;
        }
        apply(scope.tenant().value(), -note.bytes(), -note.documents(), false);
        for (String record : replicaRecords(scope)) {
            s3.deleteObject(b -> b.bucket(s3Config.bucket()).key(record));
        }
        return true;
    }

    /** A deleted tenant: its counts go with its prefix, nothing is left to flush for it. */
    public void forget(String tenant) {
        states.remove(tenant);
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
}
