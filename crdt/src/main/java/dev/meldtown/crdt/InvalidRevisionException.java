package dev.meldtown.crdt;

/** A revision that is unknown, malformed, or not acceptable for the requested operation (e.g. resolve). */
public class InvalidRevisionException extends MeldaException {
    public InvalidRevisionException(String message) {
        super(message);
    }
}
