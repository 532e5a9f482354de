package dev.meldtown.events;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/** The {@code data} of every event type, as records whose JSON field names are the contract's. */
public final class Payloads {
    private Payloads() {
    }

    public record BlockCommitted(String tenant, String doc, String replica, String block, List<String> parents,
                                 List<String> packs, long bytes) {
    }

    public record MergeRequested(String tenant, String doc, String source, String target, String requestId) {
    }

    public record MergeCompleted(String tenant, String doc, String source, String target, String requestId,
                                 List<String> copied, List<String> anchors, int conflicts, List<String> conflictObjects,
                                 boolean resolved, long durationMs) {
    }

    public record MergeFailed(String tenant, String doc, String source, String target, String requestId, Error error) {
    }

    public record SyncRequested(String tenant, String town, String peer, String strategy, String requestId) {
    }

    /** A typed error: {@code category} is one of transport, auth, not_found, conflict, rejected, internal (or a merge error code). */
    public record Error(String category, String message) {
    }

    /** One conflicting row: primary key and base/ours/theirs column values. */
    public record Conflict(String table, Map<String, Object> key, Map<String, Object> base, Map<String, Object> ours,
                           Map<String, Object> theirs) {
    }

    /** The outcome of one sync of a town with a peer (contracts §2.2). */
    public record SyncResult(String tenant, String town, String peer, String strategy, Instant startTime, Instant endTime,
                             boolean fetched, boolean merged, boolean pushed, int pulledCommits, int pushedCommits,
                             String headBefore, String headAfter, List<Conflict> conflicts, int conflictsResolved,
                             Error error, Error pushError) {
    }

    /** {@code sync.completed}: a SyncResult plus the request it answers. */
    public record SyncCompleted(String tenant, String town, String peer, String strategy, Instant startTime,
                                Instant endTime, boolean fetched, boolean merged, boolean pushed, int pulledCommits,
                                int pushedCommits, String headBefore, String headAfter, List<Conflict> conflicts,
                                int conflictsResolved, Error error, Error pushError, String requestId) {
        public static SyncCompleted of(SyncResult r, String requestId) {
            return new SyncCompleted(r.tenant(), r.town(), r.peer(), r.strategy(), r.startTime(), r.endTime(), r.fetched(),
                    r.merged(), r.pushed(), r.pulledCommits(), r.pushedCommits(), r.headBefore(), r.headAfter(),
                    r.conflicts(), r.conflictsResolved(), r.error(), r.pushError(), requestId);
        }
    }
}
