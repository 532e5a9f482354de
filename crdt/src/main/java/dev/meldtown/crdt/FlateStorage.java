package dev.meldtown.crdt;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * Melda's Flate2 wrapper: every key gets the suffix {@code .flate}, bytes are raw DEFLATE (RFC 1951, level 6).
 * Hashes and offsets always refer to the uncompressed content.
 */
public final class FlateStorage implements ReplicaStorage {
    public static final String SUFFIX = ".flate";
    private final ReplicaStorage inner;

    public FlateStorage(ReplicaStorage inner) {
        this.inner = inner;
    }

    public ReplicaStorage inner() {
        return inner;
    }

    @Override
    public byte[] read(String key) {
        byte[] z;
        try {
            z = inner.read(key + SUFFIX);
        } catch (MissingKeyException e) {
            throw new MissingKeyException(key);
        }
        return inflate(key, z);
    }

    /** The inner storage's {@code readAll} of the compressed objects (concurrent where it is), each inflated. */
    @Override
    public Map<String, byte[]> readAll(Collection<String> keys) {
        List<String> stored = new ArrayList<>();
        for (String key : keys) {
            stored.add(key + SUFFIX);
        }
        Map<String, byte[]> out = new LinkedHashMap<>();
        inner.readAll(stored).forEach((k, z) -> {
            String key = k.substring(0, k.length() - SUFFIX.length());
            out.put(key, inflate(key, z));
        });
        return out;
    }

    @Override
    public boolean write(String key, byte[] data) {
        ReplicaStorage.checkKey(key);
        return inner.write(key + SUFFIX, deflate(data));
    }

    @Override
    public List<String> list(String suffix) {
        return inner.list(suffix + SUFFIX);
    }

    @Override
    public boolean exists(String key) {
        return inner.exists(key + SUFFIX);
    }

    /** The uncompressed size, which only the content tells: the whole object is read. */
    @Override
    public OptionalLong size(String key) {
        try {
            return OptionalLong.of(read(key).length);
        } catch (MissingKeyException e) {
            return OptionalLong.empty();
        }
    }

    /** From another flate storage the compressed object is copied as it is, by the inner storages. */
    @Override
    public boolean copy(ReplicaStorage source, String key) {
        ReplicaStorage.checkKey(key);
        if (!(source instanceof FlateStorage other)) {
            return ReplicaStorage.super.copy(source, key);
        }
        try {
            return inner.copy(other.inner, key + SUFFIX);
        } catch (MissingKeyException e) {
            throw new MissingKeyException(key);
        }
    }

    @Override
    public List<String> listPage(String suffix, String startAfter, int limit) {
        List<String> keys = new ArrayList<>();
        String after = startAfter;
        while (keys.size() < limit) {
            int want = limit - keys.size();
            List<String> page = inner.listPage(suffix + SUFFIX, after, want);
            for (String stored : page) {
                String key = stored.substring(0, stored.length() - SUFFIX.length());
                // K.flate sorts after startAfter = K: compare the plain keys
                if (startAfter == null || key.compareTo(startAfter) > 0) {
                    keys.add(key);
                }
            }
            if (page.size() < want) {
                break;
            }
            after = page.get(page.size() - 1);
        }
        return keys;
    }

    @Override
    public void close() {
        inner.close();
    }

    static byte[] deflate(byte[] data) {
        Deflater d = new Deflater(6, true);
        try {
            d.setInput(data);
            d.finish();
            ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(64, data.length / 2));
            byte[] buf = new byte[8192];
            while (!d.finished()) {
                out.write(buf, 0, d.deflate(buf));
            }
            return out.toByteArray();
        } finally {
            d.end();
        }
    }

    static byte[] inflate(String key, byte[] z) {
        Inflater inf = new Inflater(true);
        try {
            // nowrap mode may need one extra dummy byte at the end of input
            byte[] in = new byte[z.length + 1];
            System.arraycopy(z, 0, in, 0, z.length);
            inf.setInput(in);
            ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(64, z.length * 3));
            byte[] buf = new byte[8192];
            while (!inf.finished()) {
                int n = inf.inflate(buf);
                if (n == 0 && (inf.needsInput() || inf.needsDictionary())) {
                    throw new StorageException("truncated DEFLATE data in " + key);
                }
                out.write(buf, 0, n);
            }
            return out.toByteArray();
        } catch (DataFormatException e) {
            throw new StorageException("corrupt DEFLATE data in " + key + ": " + e.getMessage(), e);
        } finally {
            inf.end();
        }
    }

    @Override
    public String toString() {
        return "flate(" + inner + ")";
    }
}
