package dev.meldtown.sync.federation;

import java.time.Duration;

/**
 * What the engine tells its user beyond a {@link dev.meldtown.events.Payloads.SyncResult}, for metrics: how long an
 * operation waited for the town's lock, and the town's standing with a peer whenever the engine learns it (after
 * each sync cycle that fetched, and on {@link TownSync#syncStatus}). Called on the engine's thread; must not throw.
 */
public interface SyncObserver {
    /** Observes nothing. */
    SyncObserver NONE = new SyncObserver() {
    };

    /** {@code town} waited {@code waited} for its lock and got it ({@code acquired}) or gave up after the timeout. */
    default void lockWaited(String tenant, String town, Duration waited, boolean acquired) {
    }

    /** Commits {@code town} has that {@code peer}'s branch (as last fetched) lacks, and the other way round. */
    default void standing(String tenant, String town, String peer, int ahead, int behind) {
    }
}
