package dev.meldtown.sync.federation;

import java.util.Locale;

/** How a merge with conflicting rows is settled. */
public enum SyncStrategy {
    /** Conflicting rows keep the local town's values ({@code DOLT_CONFLICTS_RESOLVE('--ours', t)}). */
    OURS,
    /** Conflicting rows take the peer's values ({@code DOLT_CONFLICTS_RESOLVE('--theirs', t)}). */
    THEIRS,
    /** Conflicts are reported row by row and the merge is aborted; the working set stays exactly as before. */
    MANUAL;

    /** The contract's spelling: {@code ours}, {@code theirs}, {@code manual}. */
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses the contract's spelling; {@code null} means {@link #MANUAL}. */
    public static SyncStrategy parse(String value) {
        if (value == null) {
            return MANUAL;
        }
        for (SyncStrategy s : values()) {
            if (s.wire().equals(value)) {
                return s;
            }
        }
        throw new IllegalArgumentException("strategy must be ours, theirs or manual, not '" + value + "'");
    }
}
