package dev.meldtown.service;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.meldtown.events.EventCodec;
import dev.meldtown.model.Scope;
import dev.meldtown.storage.s3.BucketLayout;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Deleted scopes (issue 14): a tombstone per deleted tenant, document or replica ({@link BucketLayout.Deletions}),
 * written when the deletion is accepted and kept after the scope's objects are removed, so every later read or write
 * of the scope, and every late event about it, is refused. A deleted name is never re-created.
 * <p>
 * A tenant's tombstones are read with one listing and cached per instance for {@code meldtown.deletions.cache}
 * (another instance's deletion is seen within that time; the accepting instance sees its own at once).
 */
@ApplicationScoped
public class Deletions {
    @Inject
    S3Client s3;

    @Inject
    S3Config s3Config;

    @ConfigProperty(name = "meldtown.deletions.cache", defaultValue = "PT2S")
    Duration ttl;

    private final Map<String, Cached> cache = new ConcurrentHashMap<>();

    private record Cached(Map<Scope, Tombstone> tombstones, long expiresAt) {
    }

    /**
     * A tombstone: the scope, who asked and when, and when its objects were all removed ({@code doneAt}, null while
     * pending). For a tenant, {@code docs} are its documents as the removal found them (each gets a {@code doc.deleted}).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Tombstone(String scope, String tenant, String doc, String replica, Instant requestedAt, String requestedBy,
                            Instant doneAt, List<String> docs) {
        public Scope toScope() {
            return scopeOf(tenant, doc, replica);
        }

        public Tombstone done(Instant at) {
            return new Tombstone(scope, tenant, doc, replica, requestedAt, requestedBy, at, docs);
        }

        public Tombstone withDocs(List<String> names) {
            return new Tombstone(scope, tenant, doc, replica, requestedAt, requestedBy, doneAt, List.copyOf(names));
        }
    }

    static Scope scopeOf(String tenant, String doc, String replica) {
        if (doc == null) {
            return Scope.tenant(tenant);
        }
        return replica == null ? Scope.of(dev.meldtown.model.DocRef.of(tenant, doc))
                : Scope.of(dev.meldtown.model.ReplicaRef.of(tenant, doc, replica));
    }

    /** The tombstone of {@code scope} or of a scope that contains it (widest first), or null when it is alive. */
    public Tombstone deleted(Scope scope) {
        Map<Scope, Tombstone> tombstones = tombstones(scope.tenant().value());
        if (tombstones.isEmpty()) {
            return null;
        }
        for (Scope s : scope.lineage()) {
            Tombstone t = tombstones.get(s);
            if (t != null) {
                return t;
            }
        }
        return null;
    }

    /**
     * Throws 410 {@code deleted} problem+json when {@code scope} or a scope containing it was deleted.
     */
    public void requireAlive(Scope scope) {
        Tombstone t = deleted(scope);
        if (t != null) {
            Scope gone = t.toScope();
            throw new ProblemException(410, "deleted", "Gone", "the " + gone.kind() + " " + gone + " was deleted"
                    + (gone.equals(scope) ? "" : " with everything in it") + "; a deleted name is not re-created");
        }
    }

    /**
     * Records the deletion of {@code scope}: its tombstone (write-once) and its pending entry for the removal worker.
     * Returns the tombstone that holds: the new one, or the one an earlier deletion of the same scope wrote.
     */
    public Tombstone request(Scope scope, String by) {
        Tombstone t = new Tombstone(scope.kind(), scope.tenant().value(), scope.doc() == null ? null : scope.doc().value(),
                scope.replica() == null ? null : scope.replica().value(), Instant.now(), by, null, null);
        String key = BucketLayout.Deletions.tombstone(scope);
        try {
            // pending first: a tombstone never exists without its removal being queued
            s3.putObject(b -> b.bucket(s3Config.bucket()).key(BucketLayout.Deletions.pending(scope)).ifNoneMatch("*"), RequestBody.fromBytes(json(t)));
        } catch (S3Exception e) {
            if (e.statusCode() != 412 && e.statusCode() != 409) {
                throw e;
            }
        }
        Tombstone holding = t;
        try {
            s3.putObject(b -> b.bucket(s3Config.bucket()).key(key).ifNoneMatch("*"), RequestBody.fromBytes(json(t)));
        } catch (S3Exception e) {
            if (e.statusCode() != 412 && e.statusCode() != 409) {
                throw e;
            }
            Tombstone existing = read(key);
            holding = existing != null ? existing : t;
        }
        cache.remove(scope.tenant().value()); // visible to this instance at once
        return holding;
    }

    /** The pending deletions, oldest first by request time. */
    public List<Tombstone> pending() {
        List<Tombstone> out = new ArrayList<>();
        for (S3Object o : s3.listObjectsV2Paginator(b -> b.bucket(s3Config.bucket()).prefix(BucketLayout.Deletions.PENDING)).contents()) {
            if (BucketLayout.Deletions.pendingOf(o.key()) == null) {
                continue;
            }
            Tombstone t = read(o.key());
            if (t != null) {
                out.add(t);
            }
        }
        out.sort(java.util.Comparator.comparing(Tombstone::requestedAt, java.util.Comparator.nullsFirst(java.util.Comparator.naturalOrder())));
        return out;
    }

    /** Rewrites a pending entry (progress the worker keeps across restarts). */
    public void updatePending(Tombstone t) {
        s3.putObject(b -> b.bucket(s3Config.bucket()).key(BucketLayout.Deletions.pending(t.toScope())), RequestBody.fromBytes(json(t)));
    }

    /** The scope's objects are gone and announced: the tombstone says done, the pending entry is removed. */
    public void done(Tombstone t) {
        Tombstone done = t.done(Instant.now());
        s3.putObject(b -> b.bucket(s3Config.bucket()).key(BucketLayout.Deletions.tombstone(t.toScope())), RequestBody.fromBytes(json(done)));
        s3.deleteObject(b -> b.bucket(s3Config.bucket()).key(BucketLayout.Deletions.pending(t.toScope())));
        cache.remove(t.tenant());
    }

    /** The tenant's tombstones: one listing of its part of {@code deletions/tombstones/}, cached. */
    private Map<Scope, Tombstone> tombstones(String tenant) {
        Cached c = cache.get(tenant);
        long now = System.nanoTime();
        if (c != null && c.expiresAt() - now > 0) {
            return c.tombstones();
        }
        Map<Scope, Tombstone> found = new HashMap<>();
        String own = BucketLayout.Deletions.tombstone(Scope.tenant(tenant));
        String under = own.substring(0, own.length() - ".json".length()) + "/";
        for (S3Object o : s3.listObjectsV2Paginator(b -> b.bucket(s3Config.bucket()).prefix(BucketLayout.Deletions.TOMBSTONES + tenant)).contents()) {
            if (!o.key().equals(own) && !o.key().startsWith(under)) {
                continue; // another tenant whose name starts with this one
            }
            Tombstone t = read(o.key());
            if (t != null) {
                found.put(t.toScope(), t);
            }
        }
        Map<Scope, Tombstone> result = Map.copyOf(found);
        cache.put(tenant, new Cached(result, now + ttl.toNanos()));
        return result;
    }

    private Tombstone read(String key) {
        try {
            return EventCodec.mapper().readValue(s3.getObjectAsBytes(b -> b.bucket(s3Config.bucket()).key(key)).asByteArray(), Tombstone.class);
        } catch (NoSuchKeyException e) {
            return null;
        } catch (IOException e) {
            throw new IllegalStateException("unreadable deletion record " + key, e);
        }
    }

    private static byte[] json(Tombstone t) {
        try {
            return EventCodec.mapper().writeValueAsBytes(t);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
