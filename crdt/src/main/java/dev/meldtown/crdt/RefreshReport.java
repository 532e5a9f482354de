package dev.meldtown.crdt;

import java.util.List;
import java.util.Map;

/**
 * Outcome of loading blocks: the ids newly applied (in application order) and every block that is not applied,
 * with the reason (bad hash, unparsable, missing pack or parent). Invalid blocks are skipped, never fatal, and
 * those waiting for a pack or parent are retried on the next refresh.
 */
public record RefreshReport(List<String> applied, Map<String, String> invalid) {
    public RefreshReport {
        applied = List.copyOf(applied);
        invalid = Map.copyOf(invalid);
    }
}
