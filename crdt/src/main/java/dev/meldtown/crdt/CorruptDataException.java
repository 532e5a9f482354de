package dev.meldtown.crdt;

/**
 * Stored data that cannot be interpreted: a malformed or out-of-range array patch, a missing object
 * or descriptor, an invalid block. Melda panics in these cases; we raise this instead.
 */
public class CorruptDataException extends MeldaException {
    public CorruptDataException(String message) {
        super(message);
    }

    public CorruptDataException(String message, Throwable cause) {
        super(message, cause);
    }
}
