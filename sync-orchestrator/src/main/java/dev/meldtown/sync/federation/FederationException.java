package dev.meldtown.sync.federation;

import dev.meldtown.events.Payloads;

/** A classified failure of a remote-management operation (sync operations report errors as data instead). */
public class FederationException extends RuntimeException {
    private final ErrorCategory category;

    public FederationException(ErrorCategory category, String message) {
        super(message);
        this.category = category;
    }

    public FederationException(ErrorCategory category, String message, Throwable cause) {
        super(message, cause);
        this.category = category;
    }

    public ErrorCategory category() {
        return category;
    }

    public Payloads.Error toError() {
        return category.error(getMessage());
    }
}
