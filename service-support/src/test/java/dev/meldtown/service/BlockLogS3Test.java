package dev.meldtown.service;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meldtown.crdt.Replica;
import dev.meldtown.model.ReplicaRef;
import dev.meldtown.storage.s3.BucketLayout;
import dev.meldtown.testkit.junit.S3Extension;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/** The block log against a real S3 server: writers of one replica, each its own instance, leave numbers without gaps. */
class BlockLogS3Test {
    @RegisterExtension
    static S3Extension s3 = new S3Extension();

    private static String block(int i) {
        byte[] b = new byte[32];
        b[0] = (byte) (i >> 8);
        b[1] = (byte) i;
        return HexFormat.of().formatHex(b);
    }

    private static ReplicaRef replica() {
        return ReplicaRef.of("t" + UUID.randomUUID().toString().substring(0, 8), "doc", "hub");
    }

    private static BlockLog instance() {
        return new BlockLog(s3.server().client(), s3.server().bucket());
    }

    private static List<String> keys(ReplicaRef r) {
        S3Client c = s3.server().client();
        return c.listObjectsV2Paginator(b -> b.bucket(s3.server().bucket()).prefix(BucketLayout.blockLog(r))).contents().stream()
                .map(S3Object::key).toList();
    }

    @Test
    void threeInstancesWritingAtOnceLeaveOneEntryPerBlockNumberedWithoutGaps() throws Exception {
        ReplicaRef r = replica();
        List<BlockLog> instances = List.of(instance(), instance(), instance());
        ExecutorService pool = Executors.newFixedThreadPool(6);
        List<Future<?>> done = new ArrayList<>();
        int perThread = 15;
        for (int t = 0; t < 6; t++) {
            BlockLog log = instances.get(t % 3);
            int base = t * perThread;
            done.add(pool.submit(() -> {
                for (int i = 0; i < perThread; i++) {
                    log.record(r, block(base + i));
                }
            }));
        }
        for (Future<?> f : done) {
            f.get();
        }
        pool.shutdown();
        int total = 6 * perThread;
        List<String> expectedKeys = new ArrayList<>();
        for (int n = 1; n <= total; n++) {
            expectedKeys.add(BucketLayout.blockLogEntry(r, n));
        }
        assertThat(keys(r)).isEqualTo(expectedKeys);
        List<BlockLog.Entry> all = instance().since(r, null);
        Set<String> blocks = new TreeSet<>();
        all.forEach(e -> blocks.add(e.block()));
        assertThat(all).hasSize(total);
        assertThat(blocks).hasSize(total);
        for (BlockLog log : instances) {
            assertThat(log.head(r)).isEqualTo(total);
        }
    }

    @Test
    void aNewInstanceFindsTheEndAndAReaderReadsOnlyWhatFollowsItsPosition() {
        ReplicaRef r = replica();
        BlockLog first = instance();
        for (int i = 0; i < 37; i++) {
            first.record(r, block(i));
        }
        BlockLog fresh = instance(); // knows nothing of this replica yet
        assertThat(fresh.head(r)).isEqualTo(37);
        BlockLog other = instance();
        other.record(r, block(1000)); // claims 1, 2, … are taken: probes for the end
        assertThat(keys(r)).hasSize(38).last().isEqualTo(BucketLayout.blockLogEntry(r, 38));

        BlockLog reader = instance();
        List<BlockLog.Entry> after = reader.since(r, BlockLog.position(35));
        assertThat(after).containsExactly(new BlockLog.Entry(36, block(35)), new BlockLog.Entry(37, block(36)),
                new BlockLog.Entry(38, block(1000)));
        assertThat(reader.since(r, BlockLog.position(38))).isEmpty();
        assertThat(reader.advance(BlockLog.position(35), after, b -> true).number()).isEqualTo(38);
        assertThat(instance().head(replica())).as("an empty log").isZero();
    }

    @Test
    void aNewInstanceFindsTheEndWithOneListingAndProbesOnPastAFullPage() {
        ReplicaRef r = replica();
        BlockLog first = instance();
        for (int i = 0; i < 23; i++) {
            first.record(r, block(i));
        }
        // not an entry: skipped
        s3.server().client().putObject(b -> b.bucket(s3.server().bucket()).key(BucketLayout.blockLog(r) + "notes.txt"),
                software.amazon.awssdk.core.sync.RequestBody.fromString("x"));
        Map<String, Integer> requests = new java.util.concurrent.ConcurrentHashMap<>();
        try (S3Client counted = S3Client.builder().endpointOverride(s3.server().endpoint()).region(software.amazon.awssdk.regions.Region.US_EAST_1)
                .forcePathStyle(true).credentialsProvider(software.amazon.awssdk.auth.credentials.StaticCredentialsProvider.create(
                        software.amazon.awssdk.auth.credentials.AwsBasicCredentials.create(s3.server().accessKey(), s3.server().secretKey())))
                .overrideConfiguration(c -> c.addExecutionInterceptor(new software.amazon.awssdk.core.interceptor.ExecutionInterceptor() {
                    @Override
                    public void beforeExecution(software.amazon.awssdk.core.interceptor.Context.BeforeExecution context,
                                                software.amazon.awssdk.core.interceptor.ExecutionAttributes attributes) {
                        requests.merge(context.request().getClass().getSimpleName(), 1, Integer::sum);
                    }
                })).build()) {
            assertThat(new BlockLog(counted, s3.server().bucket()).head(r)).isEqualTo(23);
            assertThat(requests).as("one listing, no probe").containsExactly(Map.entry("ListObjectsV2Request", 1));

            requests.clear();
            assertThat(new BlockLog(counted, s3.server().bucket(), 5).head(r)).as("a log longer than the page").isEqualTo(23);
            assertThat(requests.get("ListObjectsV2Request")).isEqualTo(1);
            // from entry 5: 6, 8, 12, 20 exist, 36 does not, then 28, 24, 22, 23 (log2 of what follows the page, twice)
            assertThat(requests.get("HeadObjectRequest")).isEqualTo(9);

            requests.clear();
            BlockLog writer = new BlockLog(counted, s3.server().bucket());
            writer.record(r, block(500)); // claims 1, taken: one listing finds 23, then 24
            assertThat(requests).containsOnly(Map.entry("PutObjectRequest", 2), Map.entry("ListObjectsV2Request", 1));
            assertThat(writer.head(r)).isEqualTo(24);
        }
    }

    /** A replica in a directory, with {@code n} blocks committed one after the other: their ids, oldest first. */
    private static List<String> chain(Replica r, int n) {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            r.update("{\"step\":" + i + "}");
            ids.add(r.commit("test", "step " + i).orElseThrow());
        }
        return ids;
    }

    private static List<String> logged(ReplicaRef r) {
        return instance().since(r, null).stream().map(BlockLog.Entry::block).toList();
    }

    @Test
    void aLoadLogsTheStoredBlocksTheLogMissesParentsFirstAndNothingTwice(@TempDir Path dir) {
        Replica replica = Replica.open(dir.toUri().toString());
        List<String> b = chain(replica, 5);
        ReplicaRef r = replica();
        BlockLog writer = instance();
        writer.record(r, b.get(0));
        writer.record(r, b.get(1)); // a checkpoint at b1 stands at entry 2
        writer.record(r, b.get(3)); // b2 and b4 were stored, but their writer died before logging them
        BlockLog.Cursor checkpoint = new BlockLog.Cursor(BlockLog.position(2), Set.of());

        BlockLog loader = instance();
        assertThat(loader.logUnlogged(r, checkpoint, List.of(b.get(1)), BlockLog.graphOf(replica))).containsExactly(b.get(2), b.get(4));
        assertThat(logged(r)).containsExactly(b.get(0), b.get(1), b.get(3), b.get(2), b.get(4));
        assertThat(instance().logUnlogged(r, checkpoint, List.of(b.get(1)), BlockLog.graphOf(replica))).as("a second load").isEmpty();

        // no checkpoint: the whole log is read, and a block before the first entry counts as unlogged too
        ReplicaRef fresh = replica();
        writer.record(fresh, b.get(4));
        writer.record(fresh, b.get(1));
        List<String> all = loader.logUnlogged(fresh, BlockLog.Cursor.start(), List.of(), BlockLog.graphOf(replica));
        assertThat(all).containsExactlyInAnyOrder(b.get(0), b.get(2), b.get(3));
        assertThat(all.indexOf(b.get(2))).as("b2, the parent of b3, first").isLessThan(all.indexOf(b.get(3)));
        // a block the checkpoint's cursor says it holds after its position is not logged again
        ReplicaRef seen = replica();
        writer.record(seen, b.get(0));
        assertThat(loader.logUnlogged(seen, new BlockLog.Cursor(BlockLog.position(1), Set.of(b.get(3), b.get(4))), List.of(b.get(2)), BlockLog.graphOf(replica)))
                .as("b4 and b3 are named by the cursor, b0 to b2 are held by the state")
                .isEmpty();
    }

    @Test
    void aCheckpointAnchoredOutsideTheListedBlocksLogsNothing(@TempDir Path dir) {
        Replica replica = Replica.open(dir.toUri().toString());
        List<String> b = chain(replica, 5);
        ReplicaRef r = replica();
        BlockLog writer = instance();
        b.forEach(block -> writer.record(r, block));
        // the listing held b0..b2; the checkpoint, written after it, stands at entry 5 with b4 as its anchor
        Map<String, List<String>> listed = new java.util.HashMap<>(BlockLog.graphOf(replica));
        listed.keySet().retainAll(b.subList(0, 3));
        BlockLog.Cursor checkpoint = new BlockLog.Cursor(BlockLog.position(5), Set.of());

        assertThat(instance().logUnlogged(r, checkpoint, List.of(b.get(4)), listed))
                .as("b0..b2 are held by the checkpoint's state, which the listing cannot show")
                .isEmpty();
        assertThat(logged(r)).containsExactlyElementsOf(b);
        // the same listing against the checkpoint it was taken with logs what it misses
        ReplicaRef other = replica();
        writer.record(other, b.get(0));
        assertThat(instance().logUnlogged(other, new BlockLog.Cursor(BlockLog.position(1), Set.of()), List.of(b.get(0)), listed))
                .containsExactly(b.get(1), b.get(2));
    }
}
