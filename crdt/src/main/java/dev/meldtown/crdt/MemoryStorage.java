package dev.meldtown.crdt;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentSkipListMap;

/** In-memory storage: a sorted concurrent map. */
public final class MemoryStorage implements ReplicaStorage {
    private final ConcurrentSkipListMap<String, byte[]> map = new ConcurrentSkipListMap<>();

    @Override
    public byte[] read(String key) {
        byte[] b = map.get(key);
        if (b == null) {
            throw new MissingKeyException(key);
        }
        return b.clone();
    }

    @Override
    public boolean write(String key, byte[] data) {
        ReplicaStorage.checkKey(key);
        return map.putIfAbsent(key, data.clone()) == null;
    }

    @Override
    public List<String> list(String suffix) {
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, byte[]> e : map.entrySet()) {
            if (e.getKey().endsWith(suffix)) {
                out.add(e.getKey().substring(0, e.getKey().length() - suffix.length()));
            }
        }
        out.sort(null);
        return out;
    }

    @Override
    public boolean exists(String key) {
        return map.containsKey(key);
    }

    @Override
    public OptionalLong size(String key) {
        byte[] b = map.get(key);
        return b == null ? OptionalLong.empty() : OptionalLong.of(b.length);
    }

    /** From another memory storage the stored array is shared (never mutated: reads and writes clone). */
    @Override
    public boolean copy(ReplicaStorage source, String key) {
        if (!(source instanceof MemoryStorage other)) {
            return ReplicaStorage.super.copy(source, key);
        }
        ReplicaStorage.checkKey(key);
        byte[] b = other.map.get(key);
        if (b == null) {
            throw new MissingKeyException(key);
        }
        return map.putIfAbsent(key, b) == null;
    }
}
