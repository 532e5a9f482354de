package dev.meldtown.merge;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meldtown.crdt.Checkpoint;
import dev.meldtown.crdt.FlateStorage;
import dev.meldtown.crdt.MeldResult;
import dev.meldtown.crdt.Replica;
import dev.meldtown.crdt.ReplicaStorage;
import dev.meldtown.events.EventCodec;
import dev.meldtown.model.DocRef;
import dev.meldtown.model.ReplicaRef;
import dev.meldtown.model.Scope;
import dev.meldtown.service.BlockLog;
import dev.meldtown.service.Deletions;
import dev.meldtown.service.ReadCheckpoints;
import dev.meldtown.storage.s3.BucketLayout;
import dev.meldtown.storage.s3.S3Storage;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;
import java.io.IOException;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;

/**
 * Loaded replicas and the read checkpoints of the hub. A cached replica stays loaded between events: the merge melds
 * into it exactly the blocks an event brings (crdt {@link Replica#meld(dev.meldtown.crdt.ReplicaStorage,
 * java.util.Collection)}), so the cost of a meld follows the new blocks, not the history; it lists the replica only
 * when a block has a parent it has not seen. A replica is loaded by full replay (a meld needs the block graph, which a
 * read checkpoint no longer holds). Read checkpoints of every replica melded into are written after the meld, at intervals that grow with the history (10% of it, between
 * {@code checkpoint-every-blocks} and {@code checkpoint-max-interval-blocks}) so that writing one, which costs
 * the whole state, stays a small share of the melds. Used by the consumer's workers, several documents at once: each
 * method holds its document's lock (one of {@link #STRIPES}, so two documents may share one) for its whole work, and
 * this object's monitor only while it reads or changes the maps, never across S3 requests or a meld.
 */
@ApplicationScoped
public class Replicas {
    private static final Logger LOG = Logger.getLogger(Replicas.class);
    static final int STRIPES = 64;
    private final java.util.concurrent.locks.ReentrantLock[] locks = new java.util.concurrent.locks.ReentrantLock[STRIPES];

    {
        for (int i = 0; i < STRIPES; i++) {
            locks[i] = new java.util.concurrent.locks.ReentrantLock();
        }
    }

    @Inject
    Bucket bucket;

    @Inject
    MergeConfig config;

    @Inject
    BlockLog blockLog;

    @Inject
    MergeMetrics metrics;

    @Inject
    Deletions deletions;

    private Map<Loaded, Replica> cache;
    private Map<ReplicaRef, Integer> checkpointed; // blocks at the last checkpoint written
    private Map<ReplicaRef, BlockLog.Cursor> cursors; // block-log cursor of the last checkpoint (or of the load)
    private ExecutorService logRepairs;
    private ExecutorService writers; // one event's checkpoint writes, side by side (the trace context carried along)
    private final Map<Loaded, Listed> listings = new java.util.HashMap<>(); // a refused mirror's listing, for the load that follows

    /** A replica as loaded here: flate documents' replicas are read through {@link FlateStorage}. */
    private record Loaded(ReplicaRef ref, boolean flate) {
        boolean of(DocRef doc) {
            return ref.doc().equals(doc);
        }
    }

    /**
     * A replica's files, listed right after its block log's head was read: what a load replays; and its newest read
     * checkpoint, read before both (only this thread writes the replica's checkpoints, so the load needs no second read).
     */
    private record Listed(Checkpoint checkpoint, long head, List<String> keys) {
    }
    private Map<Loaded, Set<String>> mirrors; // files a replica fanned out into unloaded holds

    @PreDestroy
    void close() {
        logRepairs.shutdownNow();
        writers.shutdownNow();
    }

    @PostConstruct
    void init() {
        java.util.concurrent.atomic.AtomicInteger n = new java.util.concurrent.atomic.AtomicInteger();
        writers = io.opentelemetry.context.Context.taskWrapping(Executors.newFixedThreadPool(4, task -> {
            Thread t = new Thread(task, "meldtown-checkpoint-write-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        }));
        logRepairs = Executors.newSingleThreadExecutor(task -> {
            Thread t = new Thread(task, "meldtown-block-log-repair");
            t.setDaemon(true);
            return t;
        });
        int size = config.replicaCacheSize();
        cache = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Loaded, Replica> eldest) {
                return size() > size;
            }
        };
        checkpointed = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<ReplicaRef, Integer> eldest) {
                return size() > 4 * size;
            }
        };
        mirrors = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Loaded, Set<String>> eldest) {
                return size() > size; // a file list each: far smaller than a loaded replica; forgotten, it is listed again
            }
        };
        cursors = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<ReplicaRef, BlockLog.Cursor> eldest) {
                return size() > 4 * size;
            }
        };
    }

    /**
     * A replica's files as the crdt library reads them ({@code .flate} objects inflated for flate documents); every
     * delta written through it (a meld, a resolve) is logged in the replica's {@link BlockLog}.
     */
    public ReplicaStorage storage(ReplicaRef ref, boolean flate) {
        ReplicaStorage raw = bucket.files(ref);
        return blockLog.logging(ref, flate ? new FlateStorage(raw) : raw);
    }

    /**
     * Runs {@code work} on the loaded replica (from the cache, or loaded now); a failure drops it from the cache (it
     * may hold staged changes). A cached replica is not refreshed here: the work melds into it what it needs (crdt
     * {@link Replica#meld}), and a meld whose blocks have parents the replica has not seen lists it.
     */
    public <T> T with(ReplicaRef ref, boolean flate, Function<Replica, T> work) {
        return locked(ref.doc(), () -> {
            Loaded id = new Loaded(ref, flate);
            Replica r;
            Listed listed;
            synchronized (this) {
                r = cache.get(id);
                mirrors.remove(id); // the loaded replica is the one to use from now on
                listed = r == null ? listings.remove(id) : null;
            }
            try {
                if (r == null) {
                    r = load(ref, flate, listed);
                    synchronized (this) {
                        cache.put(id, r);
                    }
                }
                return work.apply(r);
            } catch (RuntimeException e) {
                synchronized (this) {
                    cache.remove(id);
                }
                throw e;
            }
        });
    }

    /** Runs {@code work} holding the lock of a document's replicas (striped: a few documents share each; reentrant). */
    private <T> T locked(DocRef doc, java.util.function.Supplier<T> work) {
        java.util.concurrent.locks.ReentrantLock lock = locks[Math.floorMod(doc.hashCode(), STRIPES)];
        lock.lock();
        try {
            return work.get();
        } finally {
            lock.unlock();
        }
    }

    /** Forgets what this instance holds of a document: its loaded replicas, fan-out listings, checkpoint cursors. */
    public synchronized void evict(String tenant, String doc) {
        DocRef ref = DocRef.of(tenant, doc);
        cache.keySet().removeIf(k -> k.of(ref));
        mirrors.keySet().removeIf(k -> k.of(ref));
        checkpointed.keySet().removeIf(k -> k.doc().equals(ref));
        cursors.keySet().removeIf(k -> k.doc().equals(ref));
        listings.clear();
    }

    /**
     * The fan-out of {@code hub} into a replica this instance has not loaded, without loading it: when every block it
     * stores is one the hub has applied, the hub's blocks it lacks (walking back from {@code tips}) are written into
     * it from the hub's memory ({@link Replica#copyInto}), and it then holds exactly the hub's blocks. Its files are
     * listed once, then tracked here ({@code knownThere}: files the caller knows it holds, such as the announced block
     * of the replica it came from). Empty when the replica is loaded here, or holds a block the hub has not applied:
     * the caller then melds into the loaded replica ({@link #with}).
     *
     * <p>A replica that holds only the hub's blocks reads as the hub does: its read checkpoint is the hub's state
     * ({@link #checkpoint} with the hub), placed in its own block log. Blocks stored into it later that the hub has
     * not (yet) melded are logged after that position and caught up by its readers.
     */
    public Optional<MeldResult> mirror(ReplicaRef ref, boolean flate, Replica hub, List<String> tips, Collection<String> knownThere) {
        return locked(ref.doc(), () -> mirrorLocked(ref, flate, hub, tips, knownThere));
    }

    private Optional<MeldResult> mirrorLocked(ReplicaRef ref, boolean flate, Replica hub, List<String> tips, Collection<String> knownThere) {
        Loaded id = new Loaded(ref, flate);
        Set<String> known;
        synchronized (this) {
            if (cache.containsKey(id)) {
                return Optional.empty();
            }
            known = mirrors.get(id);
        }
        ReplicaStorage storage = storage(ref, flate);
        if (known == null) {
            // read here, before this thread writes the replica's next checkpoint (anchored on blocks it lacks yet)
            Checkpoint cp = ReadCheckpoints.latest(bucket.client(), bucket.name(), ref);
            long head = blockLog.head(ref); // before the listing, which then holds every block logged up to it
            List<String> listed = storage.list("");
            Set<String> applied = hub.appliedBlocks();
            Set<String> blocks = new HashSet<>();
            listed.stream().filter(k -> k.endsWith(".delta")).forEach(k -> blocks.add(k.substring(0, k.length() - ".delta".length())));
            // every block there is applied in the hub, with its parents and packs there too (else the replica could
            // not apply it, and only a meld into the loaded replica, which lists both, brings what it misses)
            Set<String> files = new HashSet<>(listed);
            if (!applied.containsAll(blocks) || !blocks.stream().allMatch(b -> blocks.containsAll(hub.block(b).parents())
                    && hub.block(b).packs().stream().allMatch(p -> files.contains(p + ".pack")))) {
                synchronized (this) {
                    listings.keySet().removeIf(k -> k.of(ref.doc())); // at most one a document: the load this refusal leads to, right after it
                    listings.put(id, new Listed(cp, head, listed));
                }
                return Optional.empty();
            }
            known = files;
            synchronized (this) {
                mirrors.put(id, known);
            }
            // what a load would do: log the blocks stored there without an entry
            Map<String, List<String>> graph = new java.util.HashMap<>();
            blocks.forEach(b -> graph.put(b, List.copyOf(hub.block(b).parents())));
            logUnlogged(ref, cp, graph);
            synchronized (this) {
                cursors.put(ref, new BlockLog.Cursor(BlockLog.position(head), Set.of()));
            }
        }
        Set<String> has = known;
        has.addAll(knownThere);
        try {
            MeldResult m = hub.copyInto(storage, tips, has::contains);
            has.addAll(m.copied());
            tips.forEach(t -> has.add(t + ".delta")); // and every ancestor: there before, or written now
            return Optional.of(m);
        } catch (RuntimeException e) {
            synchronized (this) {
                mirrors.remove(id);
            }
            throw e;
        }
    }

    /**
     * Forgets every loaded replica: after a rebalance another instance may have written to documents this one
     * cached, and a refresh by named blocks would not see those writes.
     */
    public synchronized void clear() {
        cache.clear();
        mirrors.clear();
        listings.clear();
        checkpointed.clear();
        cursors.clear();
    }

    /**
     * By full replay: the merge-service melds, which needs the block graph, and a read checkpoint holds only the state
     * (issue 14). The replica's newest checkpoint gives where the next one starts in the block log.
     */
    private Replica load(ReplicaRef ref, boolean flate, Listed listed) {
        // the log's head before the listing the replay starts from, which then holds every block logged up to it
        long head = listed != null ? listed.head() : blockLog.head(ref);
        // one listing for the whole open, which asks for each suffix in turn: the refused mirror's, or one made now
        ReplicaStorage storage = storage(ref, flate);
        Prelisted files = new Prelisted(storage, listed != null ? listed.keys() : storage.list(""));
        Replica r = Replica.open(files);
        files.opened();
        Checkpoint cp = listed != null ? listed.checkpoint() : ReadCheckpoints.latest(bucket.client(), bucket.name(), ref);
        boolean placed = placed(cp);
        BlockLog.Cursor from = placed ? new BlockLog.Cursor(cp.position(), cp.seen()) : BlockLog.Cursor.start();
        logUnlogged(ref, cp, BlockLog.graphOf(r));
        BlockLog.Cursor cursor = blockLog.replayed(ref, head, from, r);
        synchronized (this) {
            cursors.put(ref, cursor);
            if (cp != null && cp.anchors().equals(r.anchors())) {
                checkpointed.put(ref, r.appliedBlocks().size()); // the next one is due from there
            }
        }
        return r;
    }

    private static boolean placed(Checkpoint cp) {
        return cp != null && cp.position() != null && BlockLog.known(cp.position());
    }

    /**
     * Logs, off the consumer thread, the blocks of a replica that its block log misses ({@link BlockLog#logUnlogged}:
     * {@code graph} is its stored blocks with their parents, {@code cp} its newest read checkpoint when they were
     * listed, or null): a writer died between a delta and its log entry (this service, killed in a meld), or one wrote
     * behind the services' back. Readers that catch up through the log would never see them. The meld itself does not
     * need the log, so it does not wait for this. A replica deleted in the meantime is left alone: its log is going.
     */
    private void logUnlogged(ReplicaRef ref, Checkpoint cp, Map<String, List<String>> graph) {
        logRepairs.execute(() -> {
            try {
                if (deletions.deleted(Scope.of(ref)) != null) {
                    return;
                }
                boolean placed = placed(cp);
                BlockLog.Cursor from = placed ? new BlockLog.Cursor(cp.position(), cp.seen()) : BlockLog.Cursor.start();
                List<String> unlogged = blockLog.logUnlogged(ref, from, placed ? cp.anchors() : List.of(), graph);
                if (!unlogged.isEmpty()) {
                    LOG.warnf("%s: %d stored block(s) had no entry in the block log, logged now: %s%s", ref, unlogged.size(),
                            unlogged.subList(0, Math.min(5, unlogged.size())), unlogged.size() > 5 ? " …" : "");
                    metrics.unlogged(unlogged.size());
                }
            } catch (RuntimeException e) {
                LOG.warnf("%s: the block log could not be checked against the replica (the next load checks again): %s", ref, e.toString());
            }
        });
    }

    /** A replica's storage whose listings, until the replica opened over it is open, answer from a listing in hand. */
    private static final class Prelisted extends dev.meldtown.crdt.ForwardingStorage {
        private volatile List<String> keys;

        Prelisted(ReplicaStorage delegate, List<String> keys) {
            super(delegate);
            this.keys = keys;
        }

        void opened() {
            keys = null;
        }

        @Override
        public List<String> list(String suffix) {
            List<String> held = keys;
            if (held == null) {
                return delegate().list(suffix);
            }
            return held.stream().filter(k -> k.endsWith(suffix)).map(k -> k.substring(0, k.length() - suffix.length())).sorted().toList();
        }
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
    public String checkpoint(String tenant, String doc, String replica, Replica r) {
        return locked(DocRef.of(tenant, doc), () -> {
            Due due = due(tenant, doc, replica, r);
            if (due == null) {
                return null;
            }
            store(List.of(due));
            return due.name();
        });
    }

    /**
     * A read checkpoint computed from a replica as it is now, to be stored with the other checkpoints of the same
     * event by {@link #store}: the replica may change once this returns, the checkpoint does not.
     *
     * @param bytes null when the replica has not changed since its last checkpoint (nothing to write)
     */
    public record Due(ReplicaRef ref, String name, byte[] bytes, byte[] pointer, int blocks, BlockLog.Cursor cursor) {
        boolean writes() {
            return bytes != null;
        }
    }

    /**
     * The checkpoint of {@code r} that is due, or null when fewer than {@link #interval} blocks arrived since the last
     * one. Reads the block-log entries since the last checkpoint's cursor (where the new one is placed); writes
     * nothing.
     */
    public Due due(String tenant, String doc, String replica, Replica r) {
        return locked(DocRef.of(tenant, doc), () -> dueLocked(tenant, doc, replica, r));
    }

    private Due dueLocked(String tenant, String doc, String replica, Replica r) {
        ReplicaRef ref = ReplicaRef.of(tenant, doc, replica);
        int blocks = r.appliedBlocks().size();
        Integer last;
        BlockLog.Cursor since;
        synchronized (this) {
            last = checkpointed.get(ref);
            since = cursors.getOrDefault(ref, BlockLog.Cursor.start());
        }
        if (blocks == 0 || (last != null && blocks != last && blocks - last < interval(last))) {
            return null;
        }
        String name = Checkpoint.nameOf(r.anchors());
        if (last != null && blocks == last) {
            return new Due(ref, name, null, null, blocks, null); // unchanged since the last one
        }
        // from the load's head or the last checkpoint's position: only what was logged since is read
        BlockLog.Cursor cursor = blockLog.cursorOf(ref, since, r);
        byte[] bytes = Checkpoint.of(r, cursor.position(), cursor.seen()).bytes();
        ObjectNode pointer = EventCodec.mapper().createObjectNode().put("name", name);
        r.anchors().forEach(pointer.putArray("anchors")::add);
        pointer.put("blocks", blocks);
        pointer.put("position", cursor.position());
        try {
            return new Due(ref, name, bytes, EventCodec.mapper().writeValueAsBytes(pointer), blocks, cursor);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Stores checkpoints: every checkpoint object at once (write-once; an existing one has the same state, its
     * position may be older, which only costs a longer listing), then, once all are stored, every {@code latest}
     * pointer at once. A pointer never names a checkpoint that is not stored. One event's checkpoints (the hub's and
     * each fan-out target's) so take two S3 round trips instead of two per replica. Any failure is thrown once every
     * write has ended, and nothing is recorded as checkpointed: the event is retried.
     */
    public void store(List<Due> dues) {
        List<Due> writes = dues.stream().filter(Due::writes).toList();
        if (writes.isEmpty()) {
            return;
        }
        inParallel(writes, d -> {
            bucket.putIfAbsent(BucketLayout.checkpoint(d.ref(), d.name()), d.bytes());
            metrics.checkpoint(d.bytes().length);
        });
        inParallel(writes, d -> bucket.put(BucketLayout.latestCheckpoint(d.ref()), d.pointer()));
        synchronized (this) {
            for (Due d : writes) {
                checkpointed.put(d.ref(), d.blocks());
                cursors.put(d.ref(), d.cursor());
            }
        }
    }

    private void inParallel(List<Due> dues, java.util.function.Consumer<Due> write) {
        if (dues.size() == 1) {
            write.accept(dues.get(0));
            return;
        }
        List<java.util.concurrent.Future<?>> running = dues.stream().<java.util.concurrent.Future<?>>map(d -> writers.submit(() -> write.accept(d))).toList();
        RuntimeException failed = null;
        for (java.util.concurrent.Future<?> f : running) {
            try {
                f.get();
            } catch (java.util.concurrent.ExecutionException e) {
                RuntimeException cause = e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
                if (failed == null) {
                    failed = cause;
                } else {
                    failed.addSuppressed(cause);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                running.forEach(x -> x.cancel(true));
                throw new IllegalStateException("interrupted while storing checkpoints", e);
            }
        }
        if (failed != null) {
            throw failed;
        }
    }
}
