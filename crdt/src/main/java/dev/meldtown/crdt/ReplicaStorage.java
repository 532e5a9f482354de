package dev.meldtown.crdt;

import dev.meldtown.crdt.internal.ConcurrentReads;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

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
     * The whole content of each of {@code keys}, by key, in the order given; keys that are absent are left out.
     * Loading a replica reads all its blocks and packs through this, so backends with a round trip per read (S3, the
     * hub) override it with {@link #readConcurrently}; the default reads one key after another.
     *
     * @throws StorageException if a read fails for another reason than an absent key
     */
    default Map<String, byte[]> readAll(Collection<String> keys) {
        return ConcurrentReads.sequential(this, keys);
    }

    /**
     * {@link #readAll} with up to 16 reads of {@code storage} in flight at once (on a shared pool of daemon threads),
     * for backends whose reads are network round trips. A failed read other than an absent key fails the whole call.
     */
    static Map<String, byte[]> readConcurrently(ReplicaStorage storage, Collection<String> keys) {
        return ConcurrentReads.read(storage, keys);
    }

    /**
     * Stores {@code data} under {@code key} unless the key exists (write-once; an existing key is left untouched).
     *
     * @return true if written, false if the key already existed
     */
    boolean write(String key, byte[] data);

    /** Keys ending in {@code suffix}, with the suffix removed, sorted; {@code ""} lists everything. */
    List<String> list(String suffix);

    /**
     * At most {@code limit} whole keys (suffix kept) ending in {@code suffix} that sort after {@code startAfter}
     * ({@code null}: from the first), in order: one page of a listing. Backends that can page natively (S3) read
     * only about one page, whatever the size of the replica; the default filters {@link #list(String)}.
     */
    default List<String> listPage(String suffix, String startAfter, int limit) {
        List<String> keys = new ArrayList<>();
        for (String k : list(suffix)) {
            String key = k + suffix;
            if (startAfter == null || key.compareTo(startAfter) > 0) {
                keys.add(key);
            }
        }
        keys.sort(null);
        return keys.size() <= limit ? keys : List.copyOf(keys.subList(0, Math.max(0, limit)));
    }

    /** Whether {@code key} exists. */
    default boolean exists(String key) {
        return size(key).isPresent();
    }

    /**
     * The size in bytes of {@code key}'s content as this storage returns it from {@link #read(String)}, or empty
     * if absent. Backends answer from metadata where they can (S3 HEAD, file size).
     */
    default OptionalLong size(String key) {
        try {
            return OptionalLong.of(read(key).length);
        } catch (MissingKeyException e) {
            return OptionalLong.empty();
        }
    }

    /**
     * Copies {@code key} from {@code source} into this storage, never overwriting: write-once like
     * {@link #write}. Backends copy server-side when {@code source} is a storage of their own kind (S3 CopyObject,
     * a hard link, a shared map entry); otherwise, and by default, the bytes travel through this process.
     *
     * @return true if copied, false if this storage already held {@code key} (its content is left untouched)
     * @throws MissingKeyException if {@code source} does not hold {@code key} (nothing is written)
     */
    default boolean copy(ReplicaStorage source, String key) {
        checkKey(key);
        return write(key, source.read(key)); // write-once: an existing key is left untouched
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
