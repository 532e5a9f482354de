package dev.meldtown.crdt;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A decorator that overrides nothing meets the whole contract, and every operation reaches the storage below. */
class ForwardingStorageTest extends ByteStorageConformanceTest {
    @Override
    protected ReplicaStorage newStorage() {
        return new ForwardingStorage(new MemoryStorage()) {
        };
    }

    @Test
    void readAllReachesTheStorageBelowInsteadOfTheDefault() {
        List<Collection<String>> batches = new ArrayList<>();
        MemoryStorage memory = new MemoryStorage();
        byte[] p = pack("{\"forwarded\":1}");
        String k = key(p, ".pack");
        memory.write(k, p);
        ReplicaStorage below = new ForwardingStorage(memory) {
            @Override
            public Map<String, byte[]> readAll(Collection<String> keys) {
                batches.add(List.copyOf(keys));
                return super.readAll(keys);
            }
        };
        ReplicaStorage decorator = new ForwardingStorage(below) {
        };
        assertThat(decorator.readAll(List.of(k, "ab" + k.substring(2)))).containsOnlyKeys(k);
        assertThat(batches).containsExactly(List.of(k, "ab" + k.substring(2)));
    }

    @Test
    void copyGoesThroughThisStoragesWrite() {
        List<String> written = new ArrayList<>();
        MemoryStorage source = new MemoryStorage();
        byte[] p = pack("{\"copied\":1}");
        String k = key(p, ".pack");
        source.write(k, p);
        ReplicaStorage decorator = new ForwardingStorage(new MemoryStorage()) {
            @Override
            public boolean write(String key, byte[] data) {
                written.add(key);
                return super.write(key, data);
            }
        };
        assertThat(decorator.copy(source, k)).isTrue();
        assertThat(written).containsExactly(k);
        assertThat(decorator.read(k)).isEqualTo(p);
    }
}
