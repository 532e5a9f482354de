package dev.meldtown.blockstore.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.meldtown.model.ReplicaRef;
import dev.meldtown.model.Scope;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The bytes of files this instance has just stored or read, so that a file read again (a delta every town pulls after
 * it was announced, a pack read right after its upload) is served without an S3 request. A replica's files are
 * write-once ({@code If-None-Match: *}), so what a key holds stays true for as long as the replica lives, on every
 * instance; and a deleted name is never re-created. So an entry can only go stale through a deletion, and every read
 * checks the scope's tombstone first ({@code Deletions.requireAlive}) and answers 410 before it looks here. This instance
 * also drops a deleted scope's entries ({@link #forget}).
 *
 * <p>Bounded by bytes ({@code meldtown.block-store.file-cache.max-bytes}, 0 turns it off), and files larger than
 * {@code meldtown.block-store.file-cache.max-file-bytes} are not kept, so one big pack does not push out hundreds of
 * blocks. Hits and misses are the {@code cache_gets_total{cache="block-store-files"}} metrics.
 */
@ApplicationScoped
public class FileCache {
    /** What an entry costs beyond its bytes (the key, the array header, the cache's node), for the bound. */
    static final int OVERHEAD = 200;

    private record Key(ReplicaRef replica, String file) {
    }

    @ConfigProperty(name = "meldtown.block-store.file-cache.max-bytes", defaultValue = "33554432")
    long maxBytes;

    @ConfigProperty(name = "meldtown.block-store.file-cache.max-file-bytes", defaultValue = "1048576")
    long maxFileBytes;

    @Inject
    MeterRegistry registry;

    private Cache<Key, byte[]> files;

    @PostConstruct
    void init() {
        files = Caffeine.newBuilder()
                .maximumWeight(Math.max(0, maxBytes))
                .<Key, byte[]>weigher((key, bytes) -> OVERHEAD + bytes.length)
                .recordStats()
                .build();
        CaffeineCacheMetrics.monitor(registry, files, "block-store-files");
    }

    /** The file's bytes when this instance holds them; null otherwise. Never copy-free: callers must not change them. */
    public byte[] get(ReplicaRef replica, String file) {
        return maxBytes <= 0 ? null : files.getIfPresent(new Key(replica, file));
    }

    /** Keeps what the replica stores under {@code file} (stored or read just now), unless it is too large to keep. */
    public void put(ReplicaRef replica, String file, byte[] bytes) {
        if (maxBytes > 0 && bytes.length <= maxFileBytes) {
            files.put(new Key(replica, file), bytes);
        }
    }

    /** Drops every file of a deleted scope (a tenant, a document or a replica). */
    public void forget(Scope scope) {
        files.asMap().keySet().removeIf(k -> Scope.of(k.replica()).lineage().contains(scope));
    }

    /** How many files are kept (tests). */
    long size() {
        files.cleanUp();
        return files.estimatedSize();
    }
}
