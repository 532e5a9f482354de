package dev.meldtown.sync.federation;

import dev.meldtown.events.Payloads;
import java.time.Instant;

/**
 * A town's standing with one peer (contracts §2.2). {@code localAhead}, {@code localBehind} and
 * {@code diverged} come from the remote-tracking branch of the last fetch and are {@code null} when the
 * peer has never been fetched. Reading a status never fetches.
 */
public record SyncStatus(String peer, Integer localAhead, Integer localBehind, Boolean diverged, boolean hasConflicts,
                         Instant lastAttempt, Instant lastSuccess, Payloads.Error lastError) {
}
