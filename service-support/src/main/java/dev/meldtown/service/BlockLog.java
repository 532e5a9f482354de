package dev.meldtown.service;

import dev.meldtown.crdt.Replica;
import dev.meldtown.crdt.ReplicaStorage;
import dev.meldtown.model.ReplicaRef;
import dev.meldtown.storage.s3.BucketLayout;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * The service-private log of the blocks stored in each replica ({@link BucketLayout#blockLog}, issue 14 item 3): entry
 * {@code n} names the {@code n}-th delta stored, written by every path that stores a delta (block-store-service's
 * announcing storage, merge-service's melds and resolves) right after the delta. A reader that starts from a read
 * checkpoint reads the entries after the checkpoint's position to find the blocks stored since, one GET each and one
 * that finds nothing, instead of listing the replica or the log.
 *
 * <p>A writer claims the next number with a write-once PUT ({@code If-None-Match: *}): of two writers of one number,
 * one gets it and the other takes the next. Entries are never removed while their replica exists, so the numbers
 * from 1 to the last have no gaps, and whoever finds entry {@code n} knows entries 1 to {@code n - 1} are there. A
 * writer remembers the last number it saw per replica; one that knows nothing yet (a new instance) finds the end with
 * one listing of the log (and, past its first page, an exponential probe then a binary search by HEADs).
 *
 * <p>A position ({@link Cursor}) promises that every block logged at or before it is covered by the state that carries
 * it; covered entries after it travel with it ({@link Cursor#seen}). A block written to the bucket behind the services'
 * back is in no log: a full replay (no checkpoint, or a state that cannot decide) still sees it.
 */
public final class BlockLog {
    /** Entries one {@link #since} reads at most; a reader further behind catches up over several reads. */
    static final int MAX_SINCE = 1000;
    /** Entries one listing of a log reads, when an instance knows nothing of it yet ({@link #end}). */
    static final int LIST_PAGE = 1000;
    /** Replicas whose last known entry number an instance remembers. */
    private static final int KNOWN_REPLICAS = 10_000;

    private final S3Client s3;
    private final String bucket;
    private final int listPage;
    private final Map<ReplicaRef, Long> known = Collections.synchronizedMap(new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<ReplicaRef, Long> eldest) {
            return size() > KNOWN_REPLICAS;
        }
    });

    public BlockLog(S3Client s3, String bucket) {
        this(s3, bucket, LIST_PAGE);
    }

    /** With listing pages of {@code listPage} entries (tests: a log longer than one page). */
    BlockLog(S3Client s3, String bucket, int listPage) {
        this.s3 = s3;
        this.bucket = bucket;
        this.listPage = listPage;
    }

    /** One entry: its number and the block it logs (null when its body is not a block id: it covers nothing). */
    public record Entry(long number, String block) {
    }

    /** Where a state stands in a replica's log: the position, and the blocks logged after it that it covers. */
    public record Cursor(String position, Set<String> seen) {
        public Cursor {
            seen = Set.copyOf(seen);
        }

        /** The start of the log: nothing covered. */
        public static Cursor start() {
            return new Cursor(null, Set.of());
        }

        /** The number of the last entry covered (0 at the start). */
        public long number() {
            long n = BlockLog.number(position);
            if (n < 0) {
                throw new IllegalStateException("not a block-log position: " + position);
            }
            return n;
        }
    }

    /** The position after entry {@code number} (0: the start): 12 digits. */
    public static String position(long number) {
        return String.format("%012d", number);
    }

    /**
     * The entry number of a position: 0 for none (null), -1 for one this log does not know (the 13-digit clock stamps
     * of the first format, in checkpoints written before: their state is replayed instead).
     */
    public static long number(String position) {
        if (position == null) {
            return 0;
        }
        if (position.length() != 12 || !position.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return -1;
        }
        return Long.parseLong(position);
    }

    /** Whether {@code position} is one of this log's (or none). */
    public static boolean known(String position) {
        return number(position) >= 0;
    }

    /** Logs one stored block: usually one PUT (logging a block twice is harmless: it is covered twice). */
    public void record(ReplicaRef replica, String block) {
        long last = known.getOrDefault(replica, 0L);
        for (int attempt = 0; ; attempt++) {
            long n = last + 1;
            if (claim(replica, n, block)) {
                remember(replica, n);
                return;
            }
            if (attempt >= 64) {
                throw new IllegalStateException("could not log block " + block + " of " + replica + ": entry " + n + " taken 64 times");
            }
            // taken (or being written): the end is further on. last exists (or is 0), so the probe starts there
            last = end(replica, last);
        }
    }

    private boolean claim(ReplicaRef replica, long n, String block) {
        try {
            s3.putObject(b -> b.bucket(bucket).key(BucketLayout.blockLogEntry(replica, n)).ifNoneMatch("*").contentType("text/plain"),
                    RequestBody.fromString(block, StandardCharsets.US_ASCII));
            return true;
        } catch (S3Exception e) {
            // 412: the entry exists. 409: a concurrent write of it is in flight (it may yet fail: the probe decides)
            if (e.statusCode() == 412 || e.statusCode() == 409) {
                return false;
            }
            throw e;
        }
    }

    /**
     * The number of the log's last entry (0 when it is empty). Every block it logs up to there was stored before this
     * call returned: a replay of the replica that starts after it covers them ({@link #replayed}).
     */
    public long head(ReplicaRef replica) {
        return end(replica, known.getOrDefault(replica, 0L));
    }

    /**
     * The last entry at or after {@code from}, an entry known to exist (or 0). From 0 (nothing known: a new instance), one
     * listing of the log's first {@value #LIST_PAGE} entries answers in one request where the probe below took 2 log2 n
     * HEADs (9 for 22 entries); a longer log is probed on from the listing's last entry. From a known entry (a writer or
     * a reader that has been here before, usually 1 HEAD): HEADs doubling the step, then halving.
     */
    private long end(ReplicaRef replica, long from) {
        long lo = from;
        if (from == 0) {
            Listed listed = listedEnd(replica);
            if (!listed.more()) {
                remember(replica, listed.last());
                return listed.last();
            }
            lo = listed.last(); // a full page: the log goes on after it
        }
        long step = 1;
        while (exists(replica, lo + step)) {
            lo += step;
            step *= 2;
        }
        long hi = lo + step; // missing, and so is everything after it
        while (hi - lo > 1) {
            long mid = lo + (hi - lo) / 2;
            if (exists(replica, mid)) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        remember(replica, lo);
        return lo;
    }

    /** The last entry a listing page found (0: none), and whether more keys follow the page. */
    private record Listed(long last, boolean more) {
    }

    /** One listing page from the log's start. Keys that are not entry names are skipped. */
    private Listed listedEnd(ReplicaRef replica) {
        var page = s3.listObjectsV2(b -> b.bucket(bucket).prefix(BucketLayout.blockLog(replica)).maxKeys(listPage));
        long last = 0;
        for (var o : page.contents()) {
            last = Math.max(last, number(o.key().substring(o.key().lastIndexOf('/') + 1)));
        }
        return new Listed(last, Boolean.TRUE.equals(page.isTruncated()));
    }

    private boolean exists(ReplicaRef replica, long n) {
        try {
            s3.headObject(b -> b.bucket(bucket).key(BucketLayout.blockLogEntry(replica, n)));
            return true;
        } catch (NoSuchKeyException e) {
            return false;
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return false;
            }
            throw e;
        }
    }

    private void remember(ReplicaRef replica, long n) {
        known.merge(replica, n, Math::max);
    }

    /**
     * The entries after {@code position} (null: the whole log), in order: one GET each and one that finds nothing, at
     * most {@link #MAX_SINCE} of them.
     */
    public List<Entry> since(ReplicaRef replica, String position) {
        long n = number(position);
        if (n < 0) {
            throw new IllegalArgumentException("not a block-log position: " + position);
        }
        List<Entry> out = new ArrayList<>();
        while (out.size() < MAX_SINCE) {
            long next = n + 1;
            byte[] body;
            try {
                body = s3.getObjectAsBytes(b -> b.bucket(bucket).key(BucketLayout.blockLogEntry(replica, next))).asByteArray();
            } catch (NoSuchKeyException e) {
                break;
            }
            String block = new String(body, StandardCharsets.US_ASCII).trim();
            out.add(new Entry(next, block.matches("[0-9a-f]{64}") ? block : null));
            n = next;
        }
        if (!out.isEmpty()) {
            remember(replica, n);
        }
        return out;
    }

    /**
     * The cursor after a state that covers {@code covered} has read {@code entries} (what {@link #since} gave from
     * {@code from}): the last entry up to which every entry is covered, with the covered entries after it.
     */
    public Cursor advance(String from, List<Entry> entries, Predicate<String> covered) {
        long position = number(from);
        if (position < 0) {
            throw new IllegalArgumentException("not a block-log position: " + from);
        }
        Set<String> seen = new TreeSet<>();
        boolean contiguous = true;
        for (Entry e : entries) {
            boolean isCovered = e.block() == null || covered.test(e.block());
            if (contiguous && isCovered && e.number() == position + 1) {
                position = e.number();
            } else {
                contiguous = false;
                if (isCovered && e.block() != null) {
                    seen.add(e.block());
                }
            }
        }
        return new Cursor(position(position), seen);
    }

    /** The cursor of a whole replica, entry by entry from {@code from} (at most {@link #MAX_SINCE} entries read). */
    public Cursor cursorOf(ReplicaRef ref, Cursor from, Replica replica) {
        Set<String> applied = replica.appliedBlocks();
        return advance(from.position(), since(ref, from.position()), applied::contains);
    }

    /**
     * The cursor of a replica replayed (or refreshed) after {@link #head} answered {@code head}: it covers every entry up
     * to there, whatever the log's length. Unless the replay left blocks unapplied (a parent missing, a corrupt file):
     * one of them may be logged before {@code head}, so the cursor is then found entry by entry from {@code from}.
     */
    public Cursor replayed(ReplicaRef ref, long head, Cursor from, Replica replica) {
        if (replica.invalidBlocks().isEmpty()) {
            return new Cursor(position(head), Set.of());
        }
        return cursorOf(ref, from, replica);
    }

    /**
     * Logs the blocks of a replayed replica that its log misses: stored, but named by no entry after {@code from} and
     * not held by the state at {@code from} (the ancestors of {@code anchorsAtFrom}, its anchors). {@code blocks} is
     * the replica's applied blocks with their parents ({@link #graphOf}). A writer that dies between a delta and its
     * entry (the merge-service killed in the middle of a meld) leaves such a block, and a read state that catches up
     * through the log would never apply it. Blocks the replay could not apply are left alone (a reader would only
     * stall on them). Reads every entry after {@code from}; returns the blocks logged now, parents first. A block being
     * stored right now by another writer may be logged twice, which is harmless.
     *
     * <p>Logs nothing when an anchor of {@code from} is not in {@code blocks}: the checkpoint is then not one of this
     * replay (written after it, or over blocks since collected), and what it holds cannot be told from what the log
     * misses, so every block it holds would be logged again.
     */
    public List<String> logUnlogged(ReplicaRef ref, Cursor from, Collection<String> anchorsAtFrom, Map<String, List<String>> blocks) {
        if (!blocks.keySet().containsAll(anchorsAtFrom)) {
            return List.of();
        }
        Set<String> logged = new HashSet<>(from.seen());
        String position = from.position();
        while (true) {
            List<Entry> page = since(ref, position);
            page.forEach(e -> logged.add(e.block()));
            if (page.size() < MAX_SINCE) {
                break;
            }
            position = position(page.get(page.size() - 1).number());
        }
        Set<String> held = new HashSet<>();
        Deque<String> todo = new ArrayDeque<>(anchorsAtFrom);
        while (!todo.isEmpty()) {
            String b = todo.pop();
            List<String> parents = held.add(b) ? blocks.get(b) : null;
            if (parents != null) {
                todo.addAll(parents);
            }
        }
        Set<String> missing = new TreeSet<>();
        blocks.keySet().stream().filter(b -> !logged.contains(b) && !held.contains(b)).forEach(missing::add);
        // parents first (a depth-first walk, without recursion), so that a reader applies them in one catch-up
        Set<String> placed = new HashSet<>();
        List<String> ordered = new ArrayList<>();
        for (String start : missing) {
            Deque<String> path = new ArrayDeque<>();
            if (placed.add(start)) {
                path.push(start);
            }
            while (!path.isEmpty()) {
                String next = blocks.get(path.peek()).stream().filter(p -> missing.contains(p) && !placed.contains(p)).findFirst().orElse(null);
                if (next == null) {
                    ordered.add(path.pop());
                } else {
                    placed.add(next);
                    path.push(next);
                }
            }
        }
        ordered.forEach(b -> record(ref, b));
        return ordered;
    }

    /** A replica's applied blocks with their parents: what {@link #logUnlogged} needs, taken while the replica is held. */
    public static Map<String, List<String>> graphOf(Replica replica) {
        Map<String, List<String>> graph = new HashMap<>();
        for (String b : replica.appliedBlocks()) {
            graph.put(b, List.copyOf(replica.block(b).parents()));
        }
        return graph;
    }

    /** A storage that logs every delta it stores (written or copied) right after storing it. */
    public ReplicaStorage logging(ReplicaRef replica, ReplicaStorage delegate) {
        return new LoggingStorage(delegate, this, replica);
    }
}
