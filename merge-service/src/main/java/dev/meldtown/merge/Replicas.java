package dev.meldtown.merge;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meldtown.crdt.Checkpoint;
import dev.meldtown.crdt.FlateStorage;
import dev.meldtown.crdt.Replica;
import dev.meldtown.crdt.ReplicaStorage;
import dev.meldtown.events.EventCodec;
import dev.meldtown.model.ReplicaRef;
import dev.meldtown.service.ReadCheckpoints;
import dev.meldtown.storage.s3.BucketLayout;
import dev.meldtown.storage.s3.S3Storage;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * Loaded replicas and the read checkpoints of the hub. A cached replica is refreshed with the blocks the caller
 * knows were just stored (a meld of announced blocks), so the cost of a meld follows the new blocks, not the
 * history; it lists the replica only when told nothing or when a block's parent is unknown (see
 * {@link Replica#refresh(Collection)}). A replica is loaded from its newest checkpoint, or the hub's (replicas
 * converge through the hub, so they hold its checkpointed blocks), plus newer blocks. Checkpoints of the hub are
 * written after melds into it, at intervals that grow with the history (10% of it, between
 * {@code checkpoint-every-blocks} and {@code checkpoint-max-interval-blocks}) so that writing one, which costs
 * the whole state, stays a small share of the melds. Used by the single consumer thread; methods are
 * synchronized for the odd concurrent caller.
 */
@ApplicationScoped
public class Replicas {
    @Inject
    Bucket bucket;

    @Inject
    MergeConfig config;

    private Map<String, Replica> cache;
    private Map<String, Integer> checkpointed; // tenant/doc/replica -> blocks at the last checkpoint written

    @PostConstruct
    void init() {
        int size = config.replicaCacheSize();
        cache = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Replica> eldest) {
                return size() > size;
            }
        };
        checkpointed = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Integer> eldest) {
                return size() > 4 * size;
            }
        };
    }

    public ReplicaStorage storage(String tenant, String doc, String replica, boolean flate) {
        ReplicaStorage raw = bucket.files(ReplicaRef.of(tenant, doc, replica));
        return flate ? new FlateStorage(raw) : raw;
    }

    /**
     * Runs {@code work} on the refreshed replica; a failure drops it from the cache (it may hold staged changes).
     *
     * @param added blocks just stored in the replica (refreshed without a listing), or null to refresh by listing
     */
    public synchronized <T> T with(String tenant, String doc, String replica, boolean flate, Collection<String> added,
                                   Function<Replica, T> work) {
        String id = tenant + "/" + doc + "/" + replica + (flate ? "#flate" : "");
        Replica r = cache.get(id);
        try {
            if (r == null) {
                r = load(tenant, doc, replica, flate);
                cache.put(id, r);
            } else if (added == null) {
                r.refresh();
            } else {
                r.refresh(added);
            }
            return work.apply(r);
        } catch (RuntimeException e) {
            cache.remove(id);
            throw e;
        }
    }

    public synchronized void evict(String tenant, String doc) {
        cache.keySet().removeIf(k -> k.startsWith(tenant + "/" + doc + "/"));
    }

    /**
     * Forgets every loaded replica: after a rebalance another instance may have written to documents this one
     * cached, and a refresh by named blocks would not see those writes.
     */
    public synchronized void clear() {
        cache.clear();
        checkpointed.clear();
    }

    /** From the newest checkpoint that serves the replica ({@link ReadCheckpoints#forLoading}), else by full replay. */
    private Replica load(String tenant, String doc, String replica, boolean flate) {
        ReplicaStorage storage = storage(tenant, doc, replica, flate);
        Checkpoint cp = ReadCheckpoints.forLoading(bucket.client(), bucket.name(), ReplicaRef.of(tenant, doc, replica), config.hub());
        if (cp != null && replica.equals(config.hub())) {
            checkpointed.put(tenant + "/" + doc + "/" + replica, cp.blocks().size()); // the next one is due from there
        }
        return cp == null ? Replica.open(storage) : cp.open(storage);
    }

    /** Blocks between checkpoints after one of {@code last} blocks: 10% of the history, within the configured bounds. */
    int interval(int last) {
        int min = Math.max(1, config.checkpointEveryBlocks());
        return Math.max(min, Math.min(last / 10, Math.max(min, config.checkpointMaxIntervalBlocks())));
    }

    /**
     * Stores a checkpoint of {@code r} (write-once, named by its anchors) and points {@code latest} at it, unless
     * fewer than {@link #interval} blocks arrived since the last one. Returns the name, or null.
     */
    public synchronized String checkpoint(String tenant, String doc, String replica, Replica r) {
        String id = tenant + "/" + doc + "/" + replica;
        int blocks = r.appliedBlocks().size();
        Integer last = checkpointed.get(id);
        if (blocks == 0 || (last != null && blocks != last && blocks - last < interval(last))) {
            return null;
        }
        String name = Checkpoint.nameOf(r.anchors());
        if (last != null && blocks == last) {
            return name; // unchanged since the last one
        }
        String key = BucketLayout.checkpoint(ReplicaRef.of(tenant, doc, replica), name);
        if (!bucket.exists(key)) {
            bucket.putIfAbsent(key, Checkpoint.of(r).bytes());
        }
        ObjectNode pointer = EventCodec.mapper().createObjectNode().put("name", name);
        r.anchors().forEach(pointer.putArray("anchors")::add);
        pointer.put("blocks", blocks);
        try {
            bucket.put(BucketLayout.latestCheckpoint(ReplicaRef.of(tenant, doc, replica)), EventCodec.mapper().writeValueAsBytes(pointer));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        checkpointed.put(id, blocks);
        return name;
    }

}
