package dev.meldtown.blockstore.internal;

import dev.meldtown.model.ReplicaRef;
import dev.meldtown.model.Scope;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
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
 *
 * <p>The policy is least-recently-used, by hand (a {@link LinkedHashMap} in access order under one lock), because the
 * hub's files are stored once, read soon after by the towns that pull them, and then seldom: recency is what predicts
 * the next read. Caffeine's admission policy weighs frequency, and once it was full it turned away the files stored
 * last, whose only use so far was their upload: in bin/bench-block-store, GETs of files the instance had just stored
 * ran no faster than GETs of files it had never seen ({@code FileCacheTest.aFileStoredWhenTheCacheIsFullOfFilesReadBeforeIsKept}:
 * Caffeine kept 10 of the last 200 files stored).
 */
@ApplicationScoped
public class FileCache {
    /** What an entry costs beyond its bytes (the key, the array header, the map's node), for the bound. */
    static final int OVERHEAD = 200;

    private record Key(ReplicaRef replica, String file) {
    }

    @ConfigProperty(name = "meldtown.block-store.file-cache.max-bytes", defaultValue = "33554432")
    long maxBytes;

    @ConfigProperty(name = "meldtown.block-store.file-cache.max-file-bytes", defaultValue = "1048576")
    long maxFileBytes;

    @Inject
    MeterRegistry registry;

    private final Map<Key, byte[]> files = new LinkedHashMap<>(1024, 0.75f, true);
    private long weight;
    private final LongAdder hits = new LongAdder();
    private final LongAdder misses = new LongAdder();
    private final LongAdder puts = new LongAdder();
    private final LongAdder evictions = new LongAdder();

    @PostConstruct
    void init() {
        // the meters Micrometer's cache binders register, under the same names and tags as before
        String[] tags = {"cache", "block-store-files"};
        FunctionCounter.builder("cache.gets", hits, LongAdder::sum).tags(tags).tag("result", "hit")
                .description("Files served from this instance's memory").register(registry);
        FunctionCounter.builder("cache.gets", misses, LongAdder::sum).tags(tags).tag("result", "miss")
                .description("Files read from S3 because this instance did not hold them").register(registry);
        FunctionCounter.builder("cache.puts", puts, LongAdder::sum).tags(tags).description("Files kept").register(registry);
        FunctionCounter.builder("cache.evictions", evictions, LongAdder::sum).tags(tags)
                .description("Files dropped to stay within the bound").register(registry);
        Gauge.builder("cache.size", this, FileCache::size).tags(tags).description("Files held").register(registry);
    }

    /** The file's bytes when this instance holds them; null otherwise. Never copy-free: callers must not change them. */
    public byte[] get(ReplicaRef replica, String file) {
        if (maxBytes <= 0) {
            return null;
        }
        byte[] bytes;
        synchronized (files) {
            bytes = files.get(new Key(replica, file));
        }
        (bytes == null ? misses : hits).increment();
        return bytes;
    }

    /** Keeps what the replica stores under {@code file} (stored or read just now), unless it is too large to keep. */
    public void put(ReplicaRef replica, String file, byte[] bytes) {
        if (maxBytes <= 0 || bytes.length > maxFileBytes || OVERHEAD + bytes.length > maxBytes) {
            return;
        }
        puts.increment();
        synchronized (files) {
            byte[] before = files.put(new Key(replica, file), bytes);
            weight += OVERHEAD + bytes.length - (before == null ? 0 : OVERHEAD + before.length);
            for (Iterator<byte[]> eldest = files.values().iterator(); weight > maxBytes && eldest.hasNext(); ) {
                weight -= OVERHEAD + eldest.next().length;
                eldest.remove();
                evictions.increment();
            }
        }
    }

    /** Drops every file of a deleted scope (a tenant, a document or a replica). */
    public void forget(Scope scope) {
        synchronized (files) {
            for (Iterator<Map.Entry<Key, byte[]>> it = files.entrySet().iterator(); it.hasNext(); ) {
                Map.Entry<Key, byte[]> e = it.next();
                if (Scope.of(e.getKey().replica()).lineage().contains(scope)) {
                    weight -= OVERHEAD + e.getValue().length;
                    it.remove();
                }
            }
        }
    }

    /** How many files are held. */
    long size() {
        synchronized (files) {
            return files.size();
        }
    }
}
