package dev.meldtown.blockstore.internal;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meldtown.crdt.FlateStorage;
import dev.meldtown.crdt.Replica;
import dev.meldtown.crdt.ReplicaState;
import dev.meldtown.crdt.ReplicaStorage;
import dev.meldtown.crdt.Resolution;
import dev.meldtown.events.EventCodec;
import dev.meldtown.model.DocRef;
import dev.meldtown.model.DocumentSettings;
import dev.meldtown.model.ReplicaRef;
import dev.meldtown.model.Scope;
import dev.meldtown.service.Deletions;
import dev.meldtown.service.ProblemException;
import dev.meldtown.service.S3Config;
import dev.meldtown.service.TenantTags;
import dev.meldtown.storage.s3.BucketLayout;
import dev.meldtown.storage.s3.BucketListings;
import dev.meldtown.storage.s3.S3Storage;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

/**
 * Documents and their replicas in the bucket: settings, the storage of each replica (flate when the document
 * says so, always announcing new blocks), and a bounded cache of loaded replicas that is refreshed
 * incrementally, so a read lists the replica but downloads only blocks it has not seen.
 */
@ApplicationScoped
public class Documents {
    @Inject
    S3Client s3;

    @Inject
    S3Config s3Config;

    @Inject
    BlockAnnouncer announcer;

    @Inject
    MeterRegistry registry;

    @Inject
    TenantTags tenantTags;

    @Inject
    Deletions deletions;

    @Inject
    Quotas quotas;

    @Inject
    ReadStates states;

    @Inject
    FileCache files;

    /** The merge-service's hub replica (kept for configuration compatibility; reads use each replica's own checkpoints). */
    @ConfigProperty(name = "meldtown.block-store.hub", defaultValue = "hub")
    String hub;

    @ConfigProperty(name = "meldtown.block-store.replica-cache-size", defaultValue = "256")
    int cacheSize;

    @ConfigProperty(name = "meldtown.block-store.settings-cache", defaultValue = "PT2S")
    java.time.Duration settingsTtl;

    private Map<String, Replica> cache;
    /** Settings are read on every request; a short-lived cache saves an S3 round trip on each. */
    private final Map<String, CachedSettings> settingsCache = new java.util.concurrent.ConcurrentHashMap<>();

    private record CachedSettings(DocumentSettings settings, long expiresAt) {
    }

    @jakarta.annotation.PostConstruct
    void init() {
        cache = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Replica> eldest) {
                return size() > cacheSize;
            }
        };
    }

    /**
     * Throws 410 {@code deleted} when the document, or its tenant, was deleted (issue 14); every entry point below
     * checks its scope before touching the bucket.
     */
    public void requireAlive(String tenant, String doc) {
        deletions.requireAlive(Scope.of(DocRef.of(tenant, doc)));
    }

    /** As {@link #requireAlive(String, String)} for one replica (also when only the replica was deleted). */
    public void requireAlive(String tenant, String doc, String replica) {
        deletions.requireAlive(Scope.of(ReplicaRef.of(tenant, doc, replica)));
    }

    /** The document's settings, or null when the document was never created. */
    public DocumentSettings settingsOrNull(String tenant, String doc) {
        try {
            byte[] json = s3.getObjectAsBytes(b -> b.bucket(s3Config.bucket()).key(BucketLayout.settings(DocRef.of(tenant, doc)))).asByteArray();
            return EventCodec.mapper().readValue(json, DocumentSettings.class);
        } catch (NoSuchKeyException e) {
            return null;
        } catch (IOException e) {
            throw new IllegalStateException("unreadable settings of " + tenant + "/" + doc, e);
        }
    }

    /**
     * Effective settings, cached for {@code meldtown.block-store.settings-cache}. Another instance's settings change
     * is seen within that time; compression cannot change once replicas exist, so files never mix layouts.
     */
    public DocumentSettings settings(String tenant, String doc) {
        requireAlive(tenant, doc);
        String id = tenant + "/" + doc;
        CachedSettings cached = settingsCache.get(id);
        long now = System.nanoTime();
        if (cached != null && cached.expiresAt() - now > 0) {
            return cached.settings();
        }
        DocumentSettings s = settingsOrNull(tenant, doc);
        DocumentSettings effective = s == null ? DocumentSettings.DEFAULT : s;
        settingsCache.put(id, new CachedSettings(effective, now + settingsTtl.toNanos()));
        return effective;
    }

    /** Stores settings; returns true when the document is new. */
    public synchronized boolean putSettings(String tenant, String doc, DocumentSettings settings) {
        requireAlive(tenant, doc);
        DocumentSettings current = settingsOrNull(tenant, doc);
        DocumentSettings effective = current == null ? DocumentSettings.DEFAULT : current;
        if (!effective.compression().equals(settings.compression()) && !replicas(tenant, doc).isEmpty()) {
            throw new ProblemException(409, "compression-locked", "Compression cannot change",
                    "document " + doc + " already has replicas stored with compression '" + effective.compression().wire() + "'");
        }
        try {
            byte[] json = EventCodec.mapper().writeValueAsBytes(settings);
            s3.putObject(b -> b.bucket(s3Config.bucket()).key(BucketLayout.settings(DocRef.of(tenant, doc))), RequestBody.fromBytes(json));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        settingsCache.remove(tenant + "/" + doc);
        evict(tenant, doc);
        return current == null;
    }

    /** Names of the replicas that hold at least one file. */
    public List<String> replicas(String tenant, String doc) {
        requireAlive(tenant, doc);
        DocRef ref = DocRef.of(tenant, doc);
        // a deleted replica whose objects are still being removed is no longer listed
        return BucketListings.replicas(s3, s3Config.bucket(), ref).stream()
                .filter(r -> deletions.deleted(Scope.of(ref.replica(r))) == null).toList();
    }

    /** Names of the tenant's documents (any with settings or files), sorted by name. */
    public List<String> docs(String tenant) {
        deletions.requireAlive(Scope.tenant(tenant));
        return BucketListings.docs(s3, s3Config.bucket(), tenant).stream()
                .filter(d -> deletions.deleted(Scope.of(DocRef.of(tenant, d))) == null).toList();
    }

    public boolean exists(String tenant, String doc) {
        requireAlive(tenant, doc);
        return settingsOrNull(tenant, doc) != null || !replicas(tenant, doc).isEmpty();
    }

    /**
     * The storage of one replica: every write is counted (the metric, and the tenant's quota usage in stored bytes,
     * below compression) and every new block announced.
     */
    public ReplicaStorage storage(String tenant, String doc, String replica) {
        ReplicaRef ref = ReplicaRef.of(tenant, doc, replica);
        deletions.requireAlive(Scope.of(ref));
        ReplicaStorage raw = new CountedStorage(new S3Storage(s3, s3Config.bucket(), BucketLayout.replica(ref)), size -> quotas.stored(ref, size));
        if (settings(tenant, doc).flate()) {
            raw = new FlateStorage(raw);
        }
        return announcer.storage(ref, raw, this::countStored);
    }

    /**
     * Melda update + commit on the server: the new block, or empty when nothing changed. {@code precondition} is checked
     * against the document the update is diffed with, under the replica's lock, so a passing {@code If-Match} means the
     * commit changes exactly what its author changed in the document they read. When it fails and the replica's read
     * state (what a GET answers) does not read as the replica does, the state is replaced by the replica's: the client
     * that reads again then gets the document its next commit is compared with.
     */
    public Optional<String> commit(String tenant, String doc, String replica, ObjectNode document, String author, String description,
                                   DocumentTag.Precondition precondition) {
        ReplicaRef ref = ReplicaRef.of(tenant, doc, replica);
        long head = precondition.isNone() ? 0 : states.logHead(ref); // before withReplica's refresh, as for a replay
        Committed done = withReplica(tenant, doc, replica, r -> {
            String[] tag = new String[1]; // the replica's tag, computed once, and only when a precondition needs it
            java.util.function.Supplier<String> current = () -> tag[0] != null ? tag[0] : (tag[0] = DocumentTag.of(r.read()));
            try {
                precondition.check(replica, !r.appliedBlocks().isEmpty(), current);
            } catch (ProblemException refused) {
                // not thrown from here: the cached replica is intact and stays cached
                states.repair(ref, storage(tenant, doc, replica), r, head, current.get(), s -> DocumentTag.of(s.read()));
                return new Committed(Optional.empty(), refused);
            }
            r.update(document);
            return new Committed(r.commit(author, description), null);
        });
        if (done.refused() != null) {
            throw done.refused();
        }
        return done.block();
    }

    private record Committed(Optional<String> block, ProblemException refused) {
    }

    /** What a resolve did: the block that records it (empty when nothing changed) and each object's resolution. */
    public record Resolved(Optional<String> block, List<Resolution> resolutions) {
    }

    /**
     * Melda resolve + commit: {@code object} to {@code winner} (its current winner when null), or every conflict
     * when {@code object} is null.
     */
    public Resolved resolve(String tenant, String doc, String replica, String object, String winner, String author) {
        return withReplica(tenant, doc, replica, r -> {
            List<Resolution> resolutions = object == null ? r.resolveAll()
                    : List.of(r.resolve(object, winner != null ? winner : r.winner(object).toString()));
            return new Resolved(r.commit(author, "resolve"), resolutions);
        });
    }

    /**
     * A read of the replica's state in O(state) ({@link ReadStates}: its read checkpoint plus the blocks logged since);
     * {@code replayed} on the whole replica when there is no usable state, or when {@code fromState} answers null
     * (something only the history knows).
     */
    public <T> T readState(String tenant, String doc, String replica, Function<ReplicaState, T> fromState, Function<Replica, T> replayed) {
        requireAlive(tenant, doc, replica);
        ReplicaRef ref = ReplicaRef.of(tenant, doc, replica);
        T out = states.read(ref, storage(tenant, doc, replica), fromState);
        if (out != null) {
            return out;
        }
        long head = states.logHead(ref); // before withReplica's refresh, which then holds every block logged up to it
        return withReplica(tenant, doc, replica, r -> {
            T replayedOut = replayed.apply(r);
            if (!r.hasStagedChanges()) {
                states.adopt(ref, r, head);
            }
            return replayedOut;
        });
    }

    /** Runs {@code work} on the cached, freshly refreshed replica; one caller per replica at a time. */
    public <T> T withReplica(String tenant, String doc, String replica, Function<Replica, T> work) {
        requireAlive(tenant, doc, replica);
        String id = tenant + "/" + doc + "/" + replica;
        Replica r;
        synchronized (this) {
            r = cache.get(id);
        }
        if (r == null) {
            r = load(tenant, doc, replica);
            synchronized (this) {
                Replica raced = cache.putIfAbsent(id, r);
                if (raced != null) {
                    r = raced;
                }
            }
        }
        synchronized (r) {
            try {
                r.refresh();
                return work.apply(r);
            } catch (RuntimeException e) {
                // A failed update or commit may leave staged changes behind: start from storage next time.
                synchronized (this) {
                    cache.remove(id, r);
                }
                throw e;
            }
        }
    }

    /**
     * Loads a whole replica by full replay: what writes and the history's verbs (log, history, a read as of a block)
     * need. Reads of the state go through {@link ReadStates} instead.
     */
    Replica load(String tenant, String doc, String replica) {
        return Replica.open(storage(tenant, doc, replica));
    }

    private synchronized void evict(String tenant, String doc) {
        cache.keySet().removeIf(k -> k.startsWith(tenant + "/" + doc + "/"));
        states.forget(tenant + "/" + doc + "/");
    }

    /** Forgets the loaded replicas and cached settings of a deleted scope. */
    public synchronized void forget(Scope scope) {
        String prefix = scope.toString() + "/";
        cache.keySet().removeIf(k -> (k + "/").startsWith(prefix));
        states.forget(prefix);
        settingsCache.keySet().removeIf(k -> (k + "/").startsWith(prefix));
        files.forget(scope);
    }

    private void countStored(String tenant, long bytes) {
        Counter.builder("meldtown.block.store.bytes.stored").description("Bytes of new files stored, per tenant (bounded: TenantTags)")
                .baseUnit("bytes").tag("tenant", tenantTags.of(tenant)).register(registry).increment(bytes);
    }
}
