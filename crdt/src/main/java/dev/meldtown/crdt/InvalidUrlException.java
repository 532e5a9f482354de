package dev.meldtown.crdt;

/** A replica URL that no registered {@link StorageProvider} accepts. */
public class InvalidUrlException extends MeldaException {
    public InvalidUrlException(String message) {
        super(message);
    }
}
