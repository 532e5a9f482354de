package dev.meldtown.blockstore.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meldtown.model.DocRef;
import dev.meldtown.model.ReplicaRef;
import dev.meldtown.model.Scope;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

/** The bounds and the forgetting of {@link FileCache}, without S3. */
class FileCacheTest {
    private static final ReplicaRef ALICE = ReplicaRef.of("acme", "todo", "alice");
    private static final ReplicaRef BOB = ReplicaRef.of("acme", "todo", "bob");
    private static final ReplicaRef OTHER_DOC = ReplicaRef.of("acme", "notes", "alice");
    private static final ReplicaRef OTHER_TENANT = ReplicaRef.of("acme2", "todo", "alice");

    private static FileCache cache(long maxBytes, long maxFileBytes) {
        FileCache cache = new FileCache();
        cache.maxBytes = maxBytes;
        cache.maxFileBytes = maxFileBytes;
        cache.registry = new SimpleMeterRegistry();
        cache.init();
        return cache;
    }

    @Test
    void keepsAFilePerReplicaAndKeyAndNotOneLargerThanTheFileLimit() {
        FileCache cache = cache(1 << 20, 100);
        byte[] small = new byte[100];
        cache.put(ALICE, "a.pack", small);
        cache.put(ALICE, "big.pack", new byte[101]);
        assertThat(cache.get(ALICE, "a.pack")).isSameAs(small);
        assertThat(cache.get(BOB, "a.pack")).as("the same key in another replica is another file").isNull();
        assertThat(cache.get(ALICE, "big.pack")).isNull();
    }

    @Test
    void holdsAtMostItsBoundInBytes() {
        FileCache cache = cache(10 * (FileCache.OVERHEAD + 1000), 1000);
        for (int i = 0; i < 100; i++) {
            cache.put(ALICE, i + ".delta", new byte[1000]);
        }
        assertThat(cache.size()).isBetween(1L, 10L);
    }

    @Test
    void aBoundOfZeroKeepsNothing() {
        FileCache cache = cache(0, 1000);
        cache.put(ALICE, "a.pack", new byte[10]);
        assertThat(cache.get(ALICE, "a.pack")).isNull();
    }

    @Test
    void forgettingAScopeDropsExactlyItsFiles() {
        FileCache cache = cache(1 << 20, 1000);
        for (ReplicaRef r : new ReplicaRef[] {ALICE, BOB, OTHER_DOC, OTHER_TENANT}) {
            cache.put(r, "a.pack", new byte[1]);
        }
        cache.forget(Scope.of(BOB));
        assertThat(cache.get(BOB, "a.pack")).isNull();
        assertThat(cache.get(ALICE, "a.pack")).isNotNull();
        cache.forget(Scope.of(DocRef.of("acme", "todo")));
        assertThat(cache.get(ALICE, "a.pack")).isNull();
        assertThat(cache.get(OTHER_DOC, "a.pack")).isNotNull();
        cache.forget(Scope.tenant("acme"));
        assertThat(cache.get(OTHER_DOC, "a.pack")).isNull();
        assertThat(cache.get(OTHER_TENANT, "a.pack")).as("a tenant whose name starts with the deleted one's").isNotNull();
    }
}
