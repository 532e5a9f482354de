package dev.meldtown.crdt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The contract every {@link ReplicaStorage} must meet. Subclass it in any module (the class ships in the
 * meldtown-crdt test-jar) and implement {@link #newStorage()}, returning an empty storage per call:
 *
 * <pre>{@code
 * class S3StorageTest extends StorageConformanceTest {
 *     protected ReplicaStorage newStorage() { return new S3Storage(client, bucket, "t/" + UUID.randomUUID()); }
 * }
 * }</pre>
 *
 * Override {@link #reopen(ReplicaStorage)} if a second handle onto the same data can be made (e.g. a new client
 * on the same directory or prefix); the default reuses the instance.
 */
public abstract class StorageConformanceTest {
    protected static final String H1 = "a1" + "0".repeat(62);
    protected static final String H2 = "b2" + "1".repeat(62);
    protected static final String H3 = "a1" + "f".repeat(62);

    protected ReplicaStorage storage;

    /** A fresh, empty storage. */
    protected abstract ReplicaStorage newStorage() throws Exception;

    /** Another handle onto the data of {@code s}; by default {@code s} itself. */
    protected ReplicaStorage reopen(ReplicaStorage s) throws Exception {
        return s;
    }

    @BeforeEach
    public void createStorage() throws Exception {
        storage = newStorage();
    }

    @AfterEach
    public void closeStorage() {
        if (storage != null) {
            storage.close();
        }
    }

    protected static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    public void writeThenReadWhole() throws Exception {
        assertThat(storage.write(H1 + ".pack", utf8("[{\"a\":1}]"))).isTrue();
        assertThat(storage.read(H1 + ".pack")).isEqualTo(utf8("[{\"a\":1}]"));
        assertThat(reopen(storage).read(H1 + ".pack")).isEqualTo(utf8("[{\"a\":1}]"));
        assertThat(storage.exists(H1 + ".pack")).isTrue();
        assertThat(storage.exists(H2 + ".pack")).isFalse();
    }

    @Test
    public void writeOnceKeepsFirstContent() {
        assertThat(storage.write(H1 + ".delta", utf8("first"))).isTrue();
        assertThat(storage.write(H1 + ".delta", utf8("second"))).isFalse();
        assertThat(storage.read(H1 + ".delta")).isEqualTo(utf8("first"));
    }

    @Test
    public void rangeReads() {
        storage.write(H1 + ".pack", utf8("0123456789"));
        assertThat(storage.read(H1 + ".pack", 2, 3)).isEqualTo(utf8("234"));
        assertThat(storage.read(H1 + ".pack", 0, 0)).isEqualTo(utf8("0123456789"));
        assertThat(storage.read(H1 + ".pack", 9, 1)).isEqualTo(utf8("9"));
        assertThat(storage.read(H1 + ".pack", 10, 0)).isEmpty();
        assertThatThrownBy(() -> storage.read(H1 + ".pack", 8, 5)).isInstanceOf(StorageException.class);
    }

    @Test
    public void missingKeyIsTyped() {
        assertThatThrownBy(() -> storage.read(H2 + ".pack")).isInstanceOf(MissingKeyException.class);
        assertThatThrownBy(() -> storage.read(H2 + ".pack", 0, 1)).isInstanceOf(MissingKeyException.class);
    }

    @Test
    public void listBySuffixStripsSuffix() {
        storage.write(H1 + ".pack", utf8("p"));
        storage.write(H1 + ".index", utf8("i"));
        storage.write(H2 + ".delta", utf8("d"));
        storage.write(H3 + ".delta", utf8("d3"));
        assertThat(storage.list(".delta")).containsExactly(H1.substring(0, 2) + "f".repeat(62), H2);
        assertThat(storage.list(".pack")).containsExactly(H1);
        assertThat(storage.list(".index")).containsExactly(H1);
        assertThat(storage.list("")).containsExactlyInAnyOrder(H1 + ".pack", H1 + ".index", H2 + ".delta", H3 + ".delta");
        assertThat(storage.list(".nothing")).isEmpty();
    }

    @Test
    public void emptyStorageListsNothing() {
        assertThat(storage.list("")).isEmpty();
        assertThat(storage.list(".delta")).isEmpty();
    }

    @Test
    public void binaryAndEmptyContent() {
        byte[] bin = new byte[70_000];
        new Random(1).nextBytes(bin);
        storage.write(H1 + ".pack", bin);
        storage.write(H2 + ".pack", new byte[0]);
        assertThat(storage.read(H1 + ".pack")).isEqualTo(bin);
        assertThat(storage.read(H1 + ".pack", 65_000, 5)).isEqualTo(java.util.Arrays.copyOfRange(bin, 65_000, 65_005));
        assertThat(storage.read(H2 + ".pack")).isEmpty();
    }

    @Test
    public void concurrentWritersOfOneKeyLeaveOneValue() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Boolean>> fs = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                byte[] v = utf8("value-" + i);
                fs.add(pool.submit((Callable<Boolean>) () -> storage.write(H1 + ".delta", v)));
            }
            int winners = 0;
            for (Future<Boolean> f : fs) {
                winners += f.get() ? 1 : 0;
            }
            assertThat(winners).isEqualTo(1);
            assertThat(new String(storage.read(H1 + ".delta"), StandardCharsets.UTF_8)).startsWith("value-");
            assertThat(storage.list(".delta")).containsExactly(H1);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    public void replicaRoundTripOnThisStorage() throws Exception {
        Replica r = Replica.open(storage);
        r.update(TestDocs.obj("{'title':'t','items\u266D':[{'_id':'x','v':'a{b'}]}"));
        String block = r.commit("tester", "first").orElseThrow();
        ObjectNode expected = r.read();
        Replica again = Replica.open(reopen(storage));
        assertThat(again.anchors()).containsExactly(block);
        assertThat(again.read()).isEqualTo(expected);
        assertThat(again.invalidBlocks()).isEmpty();
    }

    @Test
    public void meldIntoThisStorage() throws Exception {
        MemoryStorage source = new MemoryStorage();
        Replica src = Replica.open(source);
        src.update(TestDocs.obj("{'a':1}"));
        String block = src.commit((ObjectNode) null).orElseThrow();
        Replica target = Replica.open(storage);
        MeldResult m = target.meld(source);
        assertThat(m.copied()).last().isEqualTo(block + ".delta");
        assertThat(m.refresh().applied()).containsExactly(block);
        assertThat(target.read()).isEqualTo(src.read());
        assertThat(target.meld(source).copied()).isEmpty();
    }
}
