package dev.meldtown.crdt;

/** Base of every error this library raises on purpose; subclasses say what kind of input was wrong. */
public class MeldaException extends RuntimeException {
    public MeldaException(String message) {
        super(message);
    }

    public MeldaException(String message, Throwable cause) {
        super(message, cause);
    }
}
