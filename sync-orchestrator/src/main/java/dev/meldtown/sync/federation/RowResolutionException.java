package dev.meldtown.sync.federation;

/**
 * A row-level resolution that was refused; nothing was changed (a replayed merge was aborted). {@link Reason#STALE}:
 * a head moved since the conflicts were computed (or the replayed merge met other conflicts); {@link Reason#MISMATCH}:
 * the choices do not match the kept conflicts, or a value cannot be written.
 */
public final class RowResolutionException extends RuntimeException {
    public enum Reason { STALE, MISMATCH }

    private final Reason reason;

    public RowResolutionException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
