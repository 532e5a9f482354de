package dev.meldtown.sync.federation;

import dev.meldtown.events.Payloads;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where sync bookkeeping (last attempt, last success, last error, the history of past results, and the row conflicts
 * a {@code manual} sync kept) is kept: never in a town's versioned tables. The service keeps it in its own store;
 * {@link #inMemory()} is for plain use.
 */
public interface SyncLedger {
    /** How many past results are kept per (town, peer) by {@link #inMemory()}; the service's store has its own bound. */
    int IN_MEMORY_HISTORY = 300;

    record Entry(Instant lastAttempt, Instant lastSuccess, Payloads.Error lastError, String headBefore, String headAfter) {
    }

    /** Records the result: the last entry is replaced, and the result is added to the pair's history. */
    void record(String town, String peer, Payloads.SyncResult result);

    Optional<Entry> get(String town, String peer);

    /** The pair's past results, newest first, at most {@code limit}. */
    List<Payloads.SyncResult> history(String town, String peer, int limit);

    /** Keeps the row conflicts a {@code manual} merge met (replacing any kept before). */
    void keepConflicts(String town, String peer, KeptConflicts kept);

    /** The pair's kept row conflicts, if a {@code manual} merge left some that were not resolved or superseded. */
    Optional<KeptConflicts> conflicts(String town, String peer);

    void clearConflicts(String town, String peer);

    /** Forgets everything stored for a peer (when its remote is removed): entry, history and kept conflicts. */
    void forget(String town, String peer);

    static SyncLedger inMemory() {
        return new SyncLedger() {
            private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();
            private final ConcurrentHashMap<String, Deque<Payloads.SyncResult>> histories = new ConcurrentHashMap<>();
            private final ConcurrentHashMap<String, KeptConflicts> kept = new ConcurrentHashMap<>();

            @Override
            public void record(String town, String peer, Payloads.SyncResult r) {
                entries.compute(town + "/" + peer, (k, old) -> next(old, r));
                histories.compute(town + "/" + peer, (k, old) -> {
                    Deque<Payloads.SyncResult> h = old == null ? new ArrayDeque<>() : old;
                    h.addFirst(r);
                    while (h.size() > IN_MEMORY_HISTORY) {
                        h.removeLast();
                    }
                    return h;
                });
            }

            @Override
            public Optional<Entry> get(String town, String peer) {
                return Optional.ofNullable(entries.get(town + "/" + peer));
            }

            @Override
            public List<Payloads.SyncResult> history(String town, String peer, int limit) {
                List<Payloads.SyncResult> out = new ArrayList<>();
                histories.computeIfPresent(town + "/" + peer, (k, h) -> {
                    h.stream().limit(limit).forEach(out::add);
                    return h;
                });
                return out;
            }

            @Override
            public void keepConflicts(String town, String peer, KeptConflicts conflicts) {
                kept.put(town + "/" + peer, conflicts);
            }

            @Override
            public Optional<KeptConflicts> conflicts(String town, String peer) {
                return Optional.ofNullable(kept.get(town + "/" + peer));
            }

            @Override
            public void clearConflicts(String town, String peer) {
                kept.remove(town + "/" + peer);
            }

            @Override
            public void forget(String town, String peer) {
                entries.remove(town + "/" + peer);
                histories.remove(town + "/" + peer);
                kept.remove(town + "/" + peer);
            }
        };
    }

    /** The ledger entry after {@code result}: an error (or a push error) counts as a failed attempt. */
    static Entry next(Entry old, Payloads.SyncResult r) {
        Payloads.Error error = r.error() != null ? r.error() : r.pushError();
        Instant lastSuccess = error == null ? r.endTime() : old == null ? null : old.lastSuccess();
        return new Entry(r.endTime(), lastSuccess, error, r.headBefore(), r.headAfter());
    }
}
