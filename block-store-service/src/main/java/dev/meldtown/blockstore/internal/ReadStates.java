package dev.meldtown.blockstore.internal;

import dev.meldtown.crdt.Checkpoint;
import dev.meldtown.crdt.ReplicaState;
import dev.meldtown.crdt.ReplicaStorage;
import dev.meldtown.model.ReplicaRef;
import dev.meldtown.service.BlockLog;
import dev.meldtown.service.ReadCheckpoints;
import dev.meldtown.service.S3Config;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Reads in O(state) (issue 14, item 3): a replica's materialized state ({@link ReplicaState}) from its newest read
 * checkpoint, caught up with the blocks its {@link BlockLog} holds after the checkpoint's position, and kept in a
 * bounded cache that catches up the same way on every read (one GET per entry logged since and one that finds none,
 * plus the new blocks and their packs). The cost follows the state and the new blocks, never the history: neither
 * the replica nor its log is listed.
 *
 * <p>No checkpoint with a log position yet (a replica the merge-service has not melded into, or an old checkpoint),
 * or a state that cannot decide a new block without the history: {@link #read} answers null, the caller replays and
 * hands the replayed replica to {@link #adopt}, so that one replay serves the reads that follow.
 */
@ApplicationScoped
public class ReadStates {
    private static final Logger LOG = Logger.getLogger(ReadStates.class);

    @Inject
    S3Client s3;

    @Inject
    S3Config s3Config;

    @Inject
    BlockLog blockLog;

    @Inject
    MeterRegistry registry;

    @ConfigProperty(name = "meldtown.block-store.replica-cache-size", defaultValue = "256")
    int cacheSize;

    /** A cached state not read for this long is loaded again from the newest checkpoint. */
    @ConfigProperty(name = "meldtown.block-store.read-state-idle", defaultValue = "PT1H")
    java.time.Duration idle;

    /** A cached state and where it stands in the log; one reader at a time catches it up. */
    private static final class Held {
        ReplicaState state;
        BlockLog.Cursor cursor;
        long usedAt;
    }

    private Map<String, Held> cache;

    @PostConstruct
    void init() {
        cache = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Held> eldest) {
                return size() > cacheSize;
            }
        };
    }

    /**
     * Applies {@code view} to the caught-up state of the replica whose files are {@code storage}; null when there is
     * no usable state (the caller replays).
     */
    public <T> T read(ReplicaRef ref, ReplicaStorage storage, Function<ReplicaState, T> view) {
        Held held = held(ref);
        synchronized (held) {
            long now = System.nanoTime();
            if (held.state != null && now - held.usedAt > idle.toNanos()) {
                held.state = null;
            }
            held.usedAt = now;
            if (held.state == null) {
                Checkpoint cp = ReadCheckpoints.latest(s3, s3Config.bucket(), ref);
                if (cp == null || cp.position() == null || !BlockLog.known(cp.position())) {
                    count("replay", "no-checkpoint"); // none yet, or one placed in the former (clock-stamped) log
                    return null;
                }
                held.state = cp.state();
                held.cursor = new BlockLog.Cursor(cp.position(), cp.seen());
            }
            List<BlockLog.Entry> entries = blockLog.since(ref, held.cursor.position());
            List<String> candidates = new ArrayList<>();
            for (BlockLog.Entry e : entries) {
                if (e.block() != null && !held.cursor.seen().contains(e.block()) && !held.state.covers(e.block())) {
                    candidates.add(e.block());
                }
            }
            if (!candidates.isEmpty()) {
                // a parent that the log does not list since the position was stored before it, hence is in the state
                ReplicaState.CatchUp c = held.state.catchUp(storage, candidates, p -> storage.exists(p + ".delta"));
                if (c.needsReplay()) {
                    LOG.debugf("%s: the read state needs a full replay: %s", ref, c.replayBecause());
                    count("replay", "undecidable");
                    held.state = null; // the cursor stays: adopt places the replayed state from there
                    return null;
                }
            }
            ReplicaState state = held.state;
            held.cursor = blockLog.advance(held.cursor.position(), entries, b -> held.cursor.seen().contains(b) || state.covers(b));
            count("state", "ok");
            return view.apply(held.state);
        }
    }

    /**
     * The block log's last entry: call it right before the replay that {@link #adopt} then caches (every block logged
     * up to it is in that replay).
     */
    public long logHead(ReplicaRef ref) {
        return blockLog.head(ref);
    }

    /**
     * Caches the state of a replica that was just replayed (no checkpoint yet, or a block the state could not decide),
     * so the next reads catch up from it instead of replaying again. {@code head} is what {@link #logHead} answered
     * before the replay: the state covers the log up to there. Call it with the replica's lock held and no changes
     * staged.
     */
    public void adopt(ReplicaRef ref, dev.meldtown.crdt.Replica replica, long head) {
        Held held = held(ref);
        synchronized (held) {
            if (held.state != null) {
                return; // still usable: the replay answered what only the history knows (a superseded revision)
            }
            BlockLog.Cursor from = held.cursor != null ? held.cursor : BlockLog.Cursor.start();
            held.state = ReplicaState.of(replica);
            held.cursor = blockLog.replayed(ref, head, from, replica);
            held.usedAt = System.nanoTime();
        }
    }

    /**
     * After a commit's precondition failed against {@code replica} (refreshed, lock held, no changes staged): if the
     * cached state, caught up now, reads otherwise than the replica ({@code viewOfState} differs from
     * {@code viewOfReplica}), it is replaced by the replica's, placed at {@code head} (what {@link #logHead} answered
     * before the refresh), so that reads answer what commits compare with. A state that reads the same (the replica
     * changed after the client's read: a meld) is left alone. Logged and counted ({@code reason="stale-repaired"}).
     */
    public void repair(ReplicaRef ref, ReplicaStorage storage, dev.meldtown.crdt.Replica replica, long head, String viewOfReplica,
                       Function<ReplicaState, String> viewOfState) {
        String fromState;
        try {
            fromState = read(ref, storage, viewOfState);
        } catch (RuntimeException e) {
            LOG.warnf("%s: the read state could not be checked against the replica: %s", ref, e.toString());
            fromState = null;
        }
        if (fromState == null || fromState.equals(viewOfReplica)) {
            return; // none cached (the next read replays), or it reads as the replica does
        }
        Held held = held(ref);
        synchronized (held) {
            LOG.warnf("%s: the read state (log position %s, %d blocks seen after it) read otherwise than the replica (%d blocks, "
                            + "anchors %s, log head %d): replaced by the replica's", ref, held.cursor == null ? null : held.cursor.position(),
                    held.cursor == null ? 0 : held.cursor.seen().size(), replica.appliedBlocks().size(), replica.anchors(), head);
            BlockLog.Cursor from = held.cursor != null ? held.cursor : BlockLog.Cursor.start();
            held.state = ReplicaState.of(replica);
            held.cursor = blockLog.replayed(ref, head, from, replica);
            held.usedAt = System.nanoTime();
        }
        count("state", "stale-repaired");
    }

    /** The entry of {@code ref}, made when absent; keyed {@code tenant/doc/replica}, the prefix {@link #forget} drops by. */
    private synchronized Held held(ReplicaRef ref) {
        return cache.computeIfAbsent(ref.toString(), k -> new Held());
    }

    /** Whether a state of {@code ref} is cached (tests). */
    synchronized boolean holds(ReplicaRef ref) {
        Held held = cache.get(ref.toString());
        return held != null && held.state != null;
    }

    /** Forgets the cached states under a prefix ({@code tenant/doc/...}). */
    public synchronized void forget(String prefix) {
        cache.keySet().removeIf(k -> (k + "/").startsWith(prefix));
    }

    private void count(String via, String why) {
        Counter.builder("meldtown.block.store.reads").description("Reads of a replica's state, from a read state or by full replay")
                .tag("via", via).tag("reason", why).register(registry).increment();
    }
}
