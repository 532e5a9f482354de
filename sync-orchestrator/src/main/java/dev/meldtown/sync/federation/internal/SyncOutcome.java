package dev.meldtown.sync.federation.internal;

import dev.meldtown.events.Payloads;
import dev.meldtown.sync.federation.KeptConflicts;
import java.time.Instant;
import java.util.List;

/** What one sync operation on a town did so far, filled in step by step and recorded once at its end. */
public final class SyncOutcome {
    public boolean fetched;
    public boolean merged;
    public boolean pushed;
    public int pulledCommits;
    public int pushedCommits;
    public String headBefore;
    public String headAfter;
    public List<Payloads.Conflict> conflicts = List.of();
    public int conflictsResolved;
    public Payloads.Error error;
    public Payloads.Error pushError;
    /** The row conflicts a manual merge met, to keep for row-level resolution. */
    public KeptConflicts keep;
    public Payloads.Resolution resolution;
    /** Taken while the town lock is still held, so a sync that waited for this one always ends after it. */
    public Instant end;
}
