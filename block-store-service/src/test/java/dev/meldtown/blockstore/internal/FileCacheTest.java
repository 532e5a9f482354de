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
        assertThat(cache.size()).isEqualTo(10L);
        assertThat(cache.get(ALICE, "99.delta")).as("the last stored").isNotNull();
        assertThat(cache.get(ALICE, "89.delta")).as("the eleventh from last").isNull();
    }

    /**
     * The hub's pattern: every file is stored once and read soon after (by the towns that pull it), and then seldom.
     * Once the cache is full of files read before, a file stored now must still be kept: the policy is recency.
     * (Caffeine's frequency-based admission turned new files away here: it kept 10 of these 200, and in
     * bin/bench-block-store GETs of files just stored ran no faster than GETs of files the instance had never seen.)
     */
    @Test
    void aFileStoredWhenTheCacheIsFullOfFilesReadBeforeIsKept() {
        FileCache cache = cache(1000L * (FileCache.OVERHEAD + 1000), 1000);
        for (int i = 0; i < 3000; i++) {
            cache.put(ALICE, "old" + i + ".pack", new byte[1000]);
            assertThat(cache.get(ALICE, "old" + i + ".pack")).isNotNull();
            cache.get(ALICE, "old" + i + ".pack");
        }
        int kept = 0;
        for (int i = 0; i < 200; i++) {
            cache.put(BOB, "new" + i + ".pack", new byte[1000]);
        }
        assertThat(cache.size()).isEqualTo(1000);
        for (int i = 0; i < 200; i++) {
            kept += cache.get(BOB, "new" + i + ".pack") == null ? 0 : 1;
        }
        assertThat(kept).as("the 200 files stored last, in a cache of 1000").isEqualTo(200);
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
