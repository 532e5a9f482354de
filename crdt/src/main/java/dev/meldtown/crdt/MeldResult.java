package dev.meldtown.crdt;

import java.util.List;

/** Outcome of a meld: the storage keys copied (packs and indexes before deltas) and the target's refresh. */
public record MeldResult(List<String> copied, RefreshReport refresh) {
    public MeldResult {
        copied = List.copyOf(copied);
    }
}
