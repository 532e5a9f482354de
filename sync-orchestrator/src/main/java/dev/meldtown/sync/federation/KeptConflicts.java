package dev.meldtown.sync.federation;

import dev.meldtown.events.Payloads;
import java.time.Instant;
import java.util.List;

/**
 * The row conflicts a {@code manual} merge met, kept (in the {@link SyncLedger}) after the merge was aborted so they
 * can be resolved row by row later: the two heads the merge was computed from (the town's {@code ourHead} and the
 * peer's {@code theirHead}), whether the operation would have pushed afterwards ({@code sync}: yes, {@code pull}: no),
 * and base/ours/theirs per row.
 */
public record KeptConflicts(String ourHead, String theirHead, boolean push, Instant computedAt, List<Payloads.Conflict> rows) {
    public KeptConflicts {
        rows = List.copyOf(rows);
    }
}
