package dev.meldtown.service;

import dev.meldtown.crdt.Replica;
import dev.meldtown.crdt.ReplicaStorage;
import dev.meldtown.model.ReplicaRef;
import dev.meldtown.storage.s3.BucketLayout;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The service-private log of the blocks stored in each replica ({@link BucketLayout#blockLog}, issue 14 item 3): one
 * empty object per stored delta, named by the writer's clock and the block, written by every path that stores a
 * delta (block-store-service's announcing storage, merge-service's melds and resolves) right after the delta. A reader
 * that starts from a read checkpoint lists the log from the checkpoint's position to find the blocks stored since,
 * instead of listing the whole replica.
 *
 * <p>Positions are stamps ({@code 13 digits of epoch milliseconds}). A position P promises that every block logged
 * before P is covered by the state that carries P. Writers' clocks differ and a log entry becomes visible a little
 * after its stamp was taken, so a position is never later than {@code now - margin}
 * ({@code meldtown.block-log.margin}); blocks logged at or after it that the state already covers travel with it
 * ({@link Cursor#seen}). A block written to the bucket behind the services' back is in no log: a full replay (no
 * checkpoint, or a state that cannot decide) still sees it.
 */
public final class BlockLog {
    /** S3 lists at most this many keys per request. */
    private static final int PAGE = 1000;

    private final S3Client s3;
    private final String bucket;
    private final Clock clock;
    private final Duration margin;

    /**
     * @param margin how far behind its clock a position stays (longer than the clock skew between instances plus the
     *               longest S3 request, 30 s with service-support's client)
     */
    public BlockLog(S3Client s3, String bucket, Clock clock, Duration margin) {
        this.s3 = s3;
        this.bucket = bucket;
        this.clock = clock;
        this.margin = margin;
    }

    public Duration margin() {
        return margin;
    }

    /** Where a state stands in a replica's log: the position, and the blocks logged at or after it that it covers. */
    public record Cursor(String position, Set<String> seen) {
        public Cursor {
            seen = Set.copyOf(seen);
        }

        /** The start of the log: nothing covered. */
        public static Cursor start() {
            return new Cursor(null, Set.of());
        }
    }

    /** The stamp of an instant. */
    public static String stamp(long epochMillis) {
        return String.format("%013d", Math.max(0, epochMillis));
    }

    /** Logs one stored block (one PUT of an empty object; logging a block twice is harmless). */
    public void record(ReplicaRef replica, String block) {
        String key = BucketLayout.blockLog(replica) + stamp(clock.millis()) + "-" + block;
        s3.putObject(b -> b.bucket(bucket).key(key), RequestBody.empty());
    }

    /** The entries logged at or after {@code position} (null: the whole log), in stamp order. */
    public List<BucketLayout.LogEntry> since(ReplicaRef replica, String position) {
        String prefix = BucketLayout.blockLog(replica);
        List<BucketLayout.LogEntry> out = new ArrayList<>();
        var request = s3.listObjectsV2Paginator(b -> {
            b.bucket(bucket).prefix(prefix).maxKeys(PAGE);
            if (position != null) {
                b.startAfter(prefix + position);
            }
        });
        for (S3Object o : request.contents()) {
            BucketLayout.LogEntry e = BucketLayout.blockLogEntry(replica, o.key());
            if (e != null) {
                out.add(e);
            }
        }
        return out;
    }

    /**
     * The cursor after a state that covers {@code covered} has read {@code entries} (what {@link #since} gave from
     * {@code from}, the previous position): the earliest of {@code now - margin} and the stamp of the first entry not
     * covered, never before {@code from} (the state does not know which older blocks it covers), with the covered
     * entries from there on.
     */
    public Cursor advance(String from, List<BucketLayout.LogEntry> entries, Predicate<String> covered) {
        String position = stamp(clock.millis() - margin.toMillis());
        if (from != null && position.compareTo(from) < 0) {
            position = from;
        }
        for (BucketLayout.LogEntry e : entries) {
            if (!covered.test(e.block()) && e.stamp().compareTo(position) < 0) {
                position = e.stamp();
            }
        }
        Set<String> seen = new TreeSet<>();
        for (BucketLayout.LogEntry e : entries) {
            if (e.stamp().compareTo(position) >= 0 && covered.test(e.block())) {
                seen.add(e.block());
            }
        }
        return new Cursor(position, seen);
    }

    /** The cursor of a whole replica (one listing from {@code from}; the start of the log when {@code from} is null). */
    public Cursor cursorOf(ReplicaRef ref, Cursor from, Replica replica) {
        Set<String> applied = replica.appliedBlocks();
        return advance(from.position(), since(ref, from.position()), applied::contains);
    }

    /** A storage that logs every delta written through it (created or found already stored) right after the write. */
    public ReplicaStorage logging(ReplicaRef replica, ReplicaStorage delegate) {
        return new LoggingStorage(delegate, this, replica);
    }
}
