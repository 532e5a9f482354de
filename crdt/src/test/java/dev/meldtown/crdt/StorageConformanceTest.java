package dev.meldtown.crdt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.meldtown.crdt.internal.Pack;
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
 * The contract every {@link ReplicaStorage} must meet, written with valid Melda files only (content-addressed
 * packs and blocks, JSON indexes) so that verifying backends such as the hub pass it too. Subclass it in any module (the class ships in the
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

    /** A valid pack holding {@code objects} (JSON objects as text), as Melda writes it. */
    protected static byte[] pack(String... objects) {
        List<byte[]> bytes = new ArrayList<>();
        for (String o : objects) {
            bytes.add(CanonicalJson.bytes(CanonicalJson.parse(o)));
        }
        return Pack.build(bytes).bytes();
    }

    /** The content-addressed key of {@code content}: {@code sha256(content) + suffix}. */
    protected static String key(byte[] content, String suffix) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(content)) + suffix;
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A pack index as Melda writes it: {@code {"<digest>":[offset,length]}}. */
    protected static byte[] index(int offset, int length) {
        return utf8("{\"" + "d".repeat(64) + "\":[" + offset + "," + length + "]}");
    }

    @Test
    public void writeThenReadWhole() throws Exception {
        byte[] p = pack("{\"a\":1}");
        String k = key(p, ".pack");
        assertThat(storage.write(k, p)).isTrue();
        assertThat(storage.read(k)).isEqualTo(p);
        assertThat(reopen(storage).read(k)).isEqualTo(p);
        assertThat(storage.exists(k)).isTrue();
        assertThat(storage.exists(key(pack("{\"a\":2}"), ".pack"))).isFalse();
    }

    @Test
    public void writeOnceKeepsFirstContent() {
        // An index is the one file whose name does not hash its content, so two contents can race for a name.
        String k = key(pack("{\"b\":1}"), ".index");
        assertThat(storage.write(k, index(1, 10))).isTrue();
        assertThat(storage.write(k, index(1, 11))).isFalse();
        assertThat(storage.read(k)).isEqualTo(index(1, 10));
        byte[] p = pack("{\"b\":1}");
        assertThat(storage.write(key(p, ".pack"), p)).isTrue();
        assertThat(storage.write(key(p, ".pack"), p)).isFalse();
    }

    @Test
    public void rangeReads() {
        byte[] p = pack("{\"t\":\"0123456789\"}");
        String k = key(p, ".pack");
        storage.write(k, p);
        assertThat(storage.read(k, 2, 3)).isEqualTo(java.util.Arrays.copyOfRange(p, 2, 5));
        assertThat(storage.read(k, 0, 0)).isEqualTo(p);
        assertThat(storage.read(k, p.length - 1, 1)).isEqualTo(java.util.Arrays.copyOfRange(p, p.length - 1, p.length));
        assertThat(storage.read(k, p.length, 0)).isEmpty();
        assertThatThrownBy(() -> storage.read(k, p.length - 2, 5)).isInstanceOf(StorageException.class);
    }

    @Test
    public void missingKeyIsTyped() {
        String k = key(pack("{\"missing\":true}"), ".pack");
        assertThatThrownBy(() -> storage.read(k)).isInstanceOf(MissingKeyException.class);
        assertThatThrownBy(() -> storage.read(k, 0, 1)).isInstanceOf(MissingKeyException.class);
    }

    @Test
    public void readAllReturnsThePresentKeysInOrderAndLeavesOutAbsentOnes() throws Exception {
        java.util.Map<String, byte[]> stored = new java.util.LinkedHashMap<>();
        for (int i = 0; i < 40; i++) { // more than the concurrent readers' pool, so reads queue
            byte[] p = pack("{\"readAll\":" + i + "}");
            stored.put(key(p, ".pack"), p);
        }
        stored.forEach(storage::write);
        List<String> asked = new ArrayList<>(stored.keySet());
        java.util.Collections.reverse(asked);
        String absent = key(pack("{\"readAll\":\"absent\"}"), ".pack");
        asked.add(20, absent);
        java.util.Map<String, byte[]> read = reopen(storage).readAll(asked);
        assertThat(read.keySet()).containsExactlyElementsOf(asked.stream().filter(k -> !k.equals(absent)).toList());
        read.forEach((k, v) -> assertThat(v).as(k).isEqualTo(stored.get(k)));
        assertThat(storage.readAll(List.of())).isEmpty();
        assertThat(storage.readAll(List.of(absent))).isEmpty();
        String one = asked.get(0);
        assertThat(storage.readAll(List.of(one, one))).containsOnlyKeys(one);
    }

    @Test
    public void listBySuffixStripsSuffix() {
        MemoryStorage source = new MemoryStorage();
        Replica r = Replica.open(source);
        r.update(TestDocs.obj("{'a':1}"));
        String b1 = r.commit("t", "1").orElseThrow();
        r.update(TestDocs.obj("{'a':2}"));
        String b2 = r.commit("t", "2").orElseThrow();
        List<String> packs = source.list(".pack");
        for (String p : packs) {
            storage.write(p + ".pack", source.read(p + ".pack"));
        }
        String index = packs.get(0) + ".index";
        storage.write(index, index(1, 7));
        storage.write(b1 + ".delta", source.read(b1 + ".delta"));
        storage.write(b2 + ".delta", source.read(b2 + ".delta"));
        assertThat(storage.list(".delta")).containsExactlyElementsOf(java.util.stream.Stream.of(b1, b2).sorted().toList());
        assertThat(storage.list(".pack")).containsExactlyElementsOf(packs.stream().sorted().toList());
        assertThat(storage.list(".index")).containsExactly(packs.get(0));
        List<String> all = new ArrayList<>(packs.stream().map(p -> p + ".pack").toList());
        all.addAll(List.of(index, b1 + ".delta", b2 + ".delta"));
        assertThat(storage.list("")).containsExactlyInAnyOrderElementsOf(all);
        assertThat(storage.list(".nothing")).isEmpty();
    }

    @Test
    public void emptyStorageListsNothing() {
        assertThat(storage.list("")).isEmpty();
        assertThat(storage.list(".delta")).isEmpty();
    }

    @Test
    public void largeContentRoundTripsWithRanges() {
        List<String> objects = new ArrayList<>();
        Random random = new Random(1);
        for (int i = 0; i < 700; i++) {
            objects.add("{\"_id\":\"o" + i + "\",\"v\":\"" + Long.toHexString(random.nextLong()) + " \u266D\u221A{\"}");
        }
        byte[] p = pack(objects.toArray(String[]::new));
        assertThat(p.length).isGreaterThan(30_000);
        String k = key(p, ".pack");
        storage.write(k, p);
        assertThat(storage.read(k)).isEqualTo(p);
        assertThat(storage.read(k, p.length - 5, 5)).isEqualTo(java.util.Arrays.copyOfRange(p, p.length - 5, p.length));
    }

    @Test
    public void concurrentWritersOfOneKeyLeaveOneValue() throws Exception {
        String k = key(pack("{\"race\":1}"), ".index");
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Boolean>> fs = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                byte[] v = index(1, i);
                fs.add(pool.submit((Callable<Boolean>) () -> storage.write(k, v)));
            }
            int winners = 0;
            for (Future<Boolean> f : fs) {
                winners += f.get() ? 1 : 0;
            }
            assertThat(winners).isEqualTo(1);
            assertThat(new String(storage.read(k), StandardCharsets.UTF_8)).matches("\\{\"d{64}\":\\[1,[0-7]\\]\\}");
            assertThat(storage.list(".index")).hasSize(1);
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

    /** Valid Melda files of a small replica (packs, one index, three deltas), by key. */
    private static java.util.SortedMap<String, byte[]> replicaFiles() {
        MemoryStorage source = new MemoryStorage();
        Replica r = Replica.open(source);
        for (int i = 1; i <= 3; i++) {
            r.update(TestDocs.obj("{'a':" + i + "}"));
            r.commit("t", "c" + i).orElseThrow();
        }
        java.util.SortedMap<String, byte[]> files = new java.util.TreeMap<>();
        for (String k : source.list("")) {
            files.put(k, source.read(k));
        }
        String pack = source.list(".pack").get(0);
        files.put(pack + ".index", index(1, 7));
        return files;
    }

    /** Packs and indexes before the deltas that need them (a verifying backend refuses a delta without its packs). */
    private static void writeInOrder(ReplicaStorage target, java.util.SortedMap<String, byte[]> files) {
        for (String suffix : List.of(".pack", ".index", ".delta")) {
            files.forEach((k, v) -> {
                if (k.endsWith(suffix)) {
                    target.write(k, v);
                }
            });
        }
    }

    @Test
    public void sizeOfStoredAndMissingKeys() {
        byte[] p = pack("{\"size\":1}");
        String k = key(p, ".pack");
        assertThat(storage.size(k)).isEmpty();
        storage.write(k, p);
        assertThat(storage.size(k)).hasValue(p.length);
        assertThat(storage.exists(k)).isTrue();
    }

    @Test
    public void copyFromAnotherStorageOfTheSameKind() throws Exception {
        ReplicaStorage source = newStorage();
        try {
            java.util.SortedMap<String, byte[]> files = replicaFiles();
            writeInOrder(source, files);
            // packs and indexes before the deltas that need them, as a meld copies
            for (String suffix : List.of(".pack", ".index", ".delta")) {
                for (String k : files.keySet()) {
                    if (k.endsWith(suffix)) {
                        assertThat(storage.copy(source, k)).as("first copy of %s", k).isTrue();
                    }
                }
            }
            for (var e : files.entrySet()) {
                assertThat(storage.read(e.getKey())).isEqualTo(e.getValue());
                assertThat(reopen(storage).read(e.getKey())).isEqualTo(e.getValue());
            }
            assertThat(storage.list("")).containsExactlyElementsOf(files.keySet());
            String delta = files.keySet().stream().filter(k -> k.endsWith(".delta")).findFirst().orElseThrow();
            assertThat(storage.copy(source, delta)).as("a second copy").isFalse();
            assertThat(storage.read(delta)).isEqualTo(files.get(delta));
        } finally {
            source.close();
        }
    }

    @Test
    public void copyNeverOverwrites() throws Exception {
        ReplicaStorage source = newStorage();
        try {
            // An index is the one file whose name does not hash its content: two contents can exist for one name.
            String k = key(pack("{\"copy\":1}"), ".index");
            assertThat(storage.write(k, index(1, 10))).isTrue();
            assertThat(source.write(k, index(1, 11))).isTrue();
            assertThat(storage.copy(source, k)).isFalse();
            assertThat(storage.read(k)).isEqualTo(index(1, 10));
            assertThat(reopen(storage).read(k)).isEqualTo(index(1, 10));
            assertThat(source.read(k)).isEqualTo(index(1, 11));
        } finally {
            source.close();
        }
    }

    @Test
    public void copyOfAMissingKeyFailsClearly() throws Exception {
        ReplicaStorage source = newStorage();
        try {
            String k = key(pack("{\"absent\":1}"), ".pack");
            assertThatThrownBy(() -> storage.copy(source, k)).isInstanceOf(MissingKeyException.class)
                    .satisfies(e -> assertThat(((MissingKeyException) e).key()).isEqualTo(k));
            assertThat(storage.exists(k)).isFalse();
            assertThat(storage.list("")).isEmpty();
        } finally {
            source.close();
        }
    }

    @Test
    public void copyFromAnotherKindOfStorage() {
        MemoryStorage source = new MemoryStorage();
        byte[] p = pack("{\"kind\":1}");
        String k = key(p, ".pack");
        source.write(k, p);
        assertThat(storage.copy(source, k)).isTrue();
        assertThat(storage.read(k)).isEqualTo(p);
        assertThat(storage.copy(source, k)).isFalse();
    }

    @Test
    public void listPagesInOrder() {
        java.util.SortedMap<String, byte[]> files = replicaFiles();
        writeInOrder(storage, files);
        List<String> all = List.copyOf(files.keySet());
        List<String> paged = new ArrayList<>();
        String after = null;
        for (List<String> page; !(page = storage.listPage("", after, 2)).isEmpty(); after = page.get(page.size() - 1)) {
            assertThat(page.size()).isLessThanOrEqualTo(2);
            paged.addAll(page);
        }
        assertThat(paged).containsExactlyElementsOf(all);
        List<String> deltas = all.stream().filter(k -> k.endsWith(".delta")).toList();
        assertThat(storage.listPage(".delta", null, 10)).containsExactlyElementsOf(deltas);
        assertThat(storage.listPage(".delta", deltas.get(0), 1)).containsExactly(deltas.get(1));
        assertThat(storage.listPage(".delta", deltas.get(2), 5)).isEmpty();
        // startAfter need not be a stored key: the bare hash of a delta sorts before it, "0" before every key
        String bare = deltas.get(1).substring(0, 64);
        assertThat(storage.listPage(".delta", bare, 5)).containsExactlyElementsOf(deltas.subList(1, 3));
        assertThat(storage.listPage("", "0", 1000)).containsExactlyElementsOf(all);
        assertThat(storage.listPage("", "zz\u266D/\n", 1000)).isEmpty();
    }
}
