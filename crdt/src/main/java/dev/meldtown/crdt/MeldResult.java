package dev.meldtown.crdt;

import java.util.List;

/**
 * Outcome of a meld: the storage keys written (packs, then indexes, then deltas), their bytes (the content, as
 * {@link ReplicaStorage#read} returns it), whether both sides had to be listed (a full reconciliation rather than
 * the named blocks alone), and the target's refresh.
 */
public record MeldResult(List<String> copied, long bytes, boolean listed, RefreshReport refresh) {
    public MeldResult {
        copied = List.copyOf(copied);
    }

    /** Nothing to do (a replica melded into itself). */
    static MeldResult nothing() {
        return new MeldResult(List.of(), 0, false, new RefreshReport(List.of(), java.util.Map.of()));
    }
}
