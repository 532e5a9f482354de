package dev.meldtown.crdt;

/** Reading a key that the storage does not hold. */
public class MissingKeyException extends StorageException {
    private final String key;

    public MissingKeyException(String key) {
        super("no such key: " + key);
        this.key = key;
    }

    public String key() {
        return key;
    }
}
