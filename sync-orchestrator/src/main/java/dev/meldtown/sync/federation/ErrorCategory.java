package dev.meldtown.sync.federation;

import dev.meldtown.events.Payloads;
import java.util.Locale;

/** The contract's error categories (contracts §2.2). */
public enum ErrorCategory {
    /** The peer (or the town's own SQL server) could not be reached. */
    TRANSPORT,
    /** The peer refused the credentials ({@code Unauthenticated}, {@code PermissionDenied}, no remote password). */
    AUTH,
    /** Unknown remote, database or branch. */
    NOT_FOUND,
    /** Merge conflicts or constraint violations that were not settled, a dirty local working set, a busy town. */
    CONFLICT,
    /** The peer refused a push: non-fast-forward, or its working set has uncommitted changes. */
    REJECTED,
    /** Anything else. */
    INTERNAL;

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    public Payloads.Error error(String message) {
        return new Payloads.Error(wire(), message == null ? "" : message);
    }
}
