package dev.meldtown.crdt;

/** An I/O failure of a {@link ReplicaStorage}. */
public class StorageException extends MeldaException {
    public StorageException(String message) {
        super(message);
    }

    public StorageException(String message, Throwable cause) {
        super(message, cause);
    }
}
