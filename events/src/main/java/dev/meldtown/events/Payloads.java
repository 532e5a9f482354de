package dev.meldtown.events;

import com.fasterxml.jackson.annotation.JsonInclude;
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

    /**
     * {@code doc.deleted}: every object of the document is removed; {@code scope} says what was deleted,
     * {@code document} (this one) or {@code tenant} (its whole tenant).
     */
    public record DocDeleted(String tenant, String doc, String scope) {
    }

    /** {@code replica.deleted}: every object of the replica is removed. */
    public record ReplicaDeleted(String tenant, String doc, String replica) {
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

    /**
     * How a row-level resolution settled a {@code manual} sync's kept conflicts (sync-orchestrator
     * {@code POST …/resolve}): the two heads the conflicts were computed from and how many rows took each side.
     * Present only on the results of a resolution; every other result leaves it out of the JSON.
     */
    public record Resolution(String ourHead, String theirHead, int ours, int theirs, int value) {
    }

    /**
     * The outcome of one sync of a town with a peer (contracts §2.2). {@code resolution} (an additive extension) is
     * set only on the result of a row-level resolution, and then {@code conflictsResolved} counts the resolved rows.
     */
    public record SyncResult(String tenant, String town, String peer, String strategy, Instant startTime, Instant endTime,
                             boolean fetched, boolean merged, boolean pushed, int pulledCommits, int pushedCommits,
                             String headBefore, String headAfter, List<Conflict> conflicts, int conflictsResolved,
                             Error error, Error pushError,
                             @JsonInclude(JsonInclude.Include.NON_NULL) Resolution resolution) {
        public SyncResult(String tenant, String town, String peer, String strategy, Instant startTime, Instant endTime,
                          boolean fetched, boolean merged, boolean pushed, int pulledCommits, int pushedCommits,
                          String headBefore, String headAfter, List<Conflict> conflicts, int conflictsResolved,
                          Error error, Error pushError) {
            this(tenant, town, peer, strategy, startTime, endTime, fetched, merged, pushed, pulledCommits, pushedCommits,
                    headBefore, headAfter, conflicts, conflictsResolved, error, pushError, null);
        }
    }

    /** {@code sync.completed}: a SyncResult plus the request it answers. */
    public record SyncCompleted(String tenant, String town, String peer, String strategy, Instant startTime,
                                Instant endTime, boolean fetched, boolean merged, boolean pushed, int pulledCommits,
                                int pushedCommits, String headBefore, String headAfter, List<Conflict> conflicts,
                                int conflictsResolved, Error error, Error pushError, String requestId,
                                @JsonInclude(JsonInclude.Include.NON_NULL) Resolution resolution) {
        public SyncCompleted(String tenant, String town, String peer, String strategy, Instant startTime,
                             Instant endTime, boolean fetched, boolean merged, boolean pushed, int pulledCommits,
                             int pushedCommits, String headBefore, String headAfter, List<Conflict> conflicts,
                             int conflictsResolved, Error error, Error pushError, String requestId) {
            this(tenant, town, peer, strategy, startTime, endTime, fetched, merged, pushed, pulledCommits, pushedCommits,
                    headBefore, headAfter, conflicts, conflictsResolved, error, pushError, requestId, null);
        }

        public static SyncCompleted of(SyncResult r, String requestId) {
            return new SyncCompleted(r.tenant(), r.town(), r.peer(), r.strategy(), r.startTime(), r.endTime(), r.fetched(),
                    r.merged(), r.pushed(), r.pulledCommits(), r.pushedCommits(), r.headBefore(), r.headAfter(),
                    r.conflicts(), r.conflictsResolved(), r.error(), r.pushError(), requestId, r.resolution());
        }
    }
}
