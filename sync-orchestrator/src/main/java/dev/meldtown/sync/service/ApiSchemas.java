package dev.meldtown.sync.service;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * How the OpenAPI document describes the responses whose types live in modules without OpenAPI annotations
 * ({@code events}' SyncResult, the engine's SyncStatus): the same JSON, with what may be {@code null} marked
 * nullable. {@code OpenApiTest} checks these against real responses.
 */
public final class ApiSchemas {
    private ApiSchemas() {
    }

    @Schema(name = "SyncError", description = "A classified failure")
    public record Error(
            @Schema(required = true, enumeration = {"transport", "auth", "not_found", "conflict", "rejected", "internal"}) String category,
            @Schema(required = true) String message) {
    }

    @Schema(name = "SyncConflict", description = "One conflicting row: a side is null where the row does not exist")
    public record Conflict(@Schema(required = true) String table, @Schema(required = true) Map<String, Object> key,
                           @Schema(nullable = true) Map<String, Object> base, @Schema(nullable = true) Map<String, Object> ours,
                           @Schema(nullable = true) Map<String, Object> theirs) {
    }

    @Schema(name = "SyncResult", description = "contracts §2.2: the outcome of one sync of a town with a peer")
    public record SyncResult(String tenant, String town, String peer,
                             @Schema(enumeration = {"ours", "theirs", "manual"}) String strategy,
                             Instant startTime, Instant endTime, boolean fetched, boolean merged, boolean pushed,
                             @Schema(minimum = "0") int pulledCommits, @Schema(minimum = "0") int pushedCommits,
                             @Schema(nullable = true, description = "null when the town's head could not be read") String headBefore,
                             @Schema(nullable = true) String headAfter,
                             List<Conflict> conflicts, @Schema(minimum = "0") int conflictsResolved,
                             @Schema(nullable = true, description = "null on success") Error error,
                             @Schema(nullable = true, description = "null unless the push failed after a merge") Error pushError,
                             @Schema(description = "only on the result of a row-level resolution (POST …/resolve)") Resolution resolution) {
    }

    @Schema(name = "SyncResolution", description = "How a row-level resolution settled the kept conflicts")
    public record Resolution(@Schema(required = true) String ourHead, @Schema(required = true) String theirHead,
                             @Schema(required = true, minimum = "0") int ours, @Schema(required = true, minimum = "0") int theirs,
                             @Schema(required = true, minimum = "0") int value) {
    }

    @Schema(name = "SyncConflictSet", description = "The row conflicts a manual sync met and kept; the merge was aborted")
    public record ConflictSet(@Schema(required = true) String town, @Schema(required = true) String peer,
                              @Schema(required = true, description = "the town's head the conflicts were computed from") String ourHead,
                              @Schema(required = true, description = "the peer's head the conflicts were computed from") String theirHead,
                              @Schema(required = true, description = "whether resolving pushes afterwards (a kept sync: yes; a kept pull: no)") boolean push,
                              @Schema(required = true) Instant computedAt, @Schema(required = true) List<Conflict> rows) {
    }

    @Schema(name = "SyncResolveRequest")
    public record Resolve(@Schema(required = true, minItems = 1) List<RowChoice> rows) {
    }

    @Schema(name = "SyncRowChoice", description = "One kept row's settlement; taking a side where the row does not exist deletes it")
    public record RowChoice(@Schema(required = true) String table,
                            @Schema(required = true, description = "the row's primary key, as in the kept conflicts") Map<String, Object> key,
                            @Schema(required = true, enumeration = {"ours", "theirs", "value"}) String take,
                            @Schema(description = "only with take value: column values over our row (theirs where ours deleted it)")
                            Map<String, Object> value) {
    }

    @Schema(name = "SyncStatus", description = "contracts §2.2; ahead/behind are null until the peer was first fetched")
    public record SyncStatus(String peer, @Schema(nullable = true) Integer localAhead, @Schema(nullable = true) Integer localBehind,
                             @Schema(nullable = true) Boolean diverged, boolean hasConflicts,
                             @Schema(nullable = true) Instant lastAttempt, @Schema(nullable = true) Instant lastSuccess,
                             @Schema(nullable = true) Error lastError) {
    }

    @Schema(name = "SyncAccepted")
    public record Accepted(@Schema(required = true) String requestId) {
    }
}
