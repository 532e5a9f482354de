package dev.meldtown.sync.federation;

import dev.meldtown.events.Payloads;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where sync bookkeeping (last attempt, last success, last error) is kept: never in a town's versioned
 * tables. The service keeps it in its own store; {@link #inMemory()} is for plain use.
 */
public interface SyncLedger {
    record Entry(Instant lastAttempt, Instant lastSuccess, Payloads.Error lastError, String headBefore, String headAfter) {
    }

    void record(String town, String peer, Payloads.SyncResult result);

    Optional<Entry> get(String town, String peer);

    /** Forgets everything stored for a peer (when its remote is removed). */
    void forget(String town, String peer);

    static SyncLedger inMemory() {
        return new SyncLedger() {
            private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();

            @Override
            public void record(String town, String peer, Payloads.SyncResult r) {
                entries.compute(town + "/" + peer, (k, old) -> next(old, r));
            }

            @Override
            public Optional<Entry> get(String town, String peer) {
                return Optional.ofNullable(entries.get(town + "/" + peer));
            }

            @Override
            public void forget(String town, String peer) {
                entries.remove(town + "/" + peer);
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
