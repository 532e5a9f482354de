package dev.meldtown.crdt;

import java.util.List;

/**
 * Where a replica's immutable files live, in the spirit of Melda's adapter: flat string keys
 * ({@code <hash>.delta}, {@code <hash>.pack}, {@code <hash>.index}), write-once, listable by suffix.
 * Implementations must be safe for concurrent use. Bytes are always the uncompressed content.
 */
public interface ReplicaStorage extends AutoCloseable {
    /**
     * The whole content of {@code key}.
     *
     * @throws MissingKeyException if absent
     */
    byte[] read(String key);

    /**
     * {@code length} bytes from {@code offset} (of the uncompressed content). {@code (0, 0)} means the whole
     * content, as in Melda.
     *
     * @throws MissingKeyException if absent
     * @throws StorageException if the range is outside the content
     */
    default byte[] read(String key, long offset, int length) {
        byte[] all = read(key);
        if (offset == 0 && length == 0) {
            return all;
        }
        return slice(key, all, offset, length);
    }

    /**
     * Stores {@code data} under {@code key} unless the key exists (write-once; an existing key is left untouched).
     *
     * @return true if written, false if the key already existed
     */
    boolean write(String key, byte[] data);

    /** Keys ending in {@code suffix}, with the suffix removed, sorted; {@code ""} lists everything. */
    List<String> list(String suffix);

    /** Whether {@code key} exists. */
    default boolean exists(String key) {
        try {
            read(key);
            return true;
        } catch (MissingKeyException e) {
            return false;
        }
    }

    /** Releases resources (clients, connections). No-op by default. */
    @Override
    default void close() {
    }

    /** Checked slicing shared by implementations. */
    static byte[] slice(String key, byte[] all, long offset, int length) {
        if (offset < 0 || length < 0 || offset + length > all.length) {
            throw new StorageException("range " + offset + "+" + length + " outside " + key + " (" + all.length + " bytes)");
        }
        byte[] out = new byte[length];
        System.arraycopy(all, (int) offset, out, 0, length);
        return out;
    }

    /** Rejects keys that could escape a directory or collide with temp files. */
    static String checkKey(String key) {
        if (key == null || key.length() < 2 || key.contains("/") || key.contains("\\") || key.startsWith(".")
                || key.indexOf('\0') >= 0) {
            throw new StorageException("invalid key: " + key);
        }
        return key;
    }
}
