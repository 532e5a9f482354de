package dev.meldtown.merge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meldtown.model.DocRef;
import dev.meldtown.model.ReplicaRef;
import dev.meldtown.service.BlockLog;
import dev.meldtown.service.S3Config;
import dev.meldtown.storage.s3.BucketLayout;
import dev.meldtown.testkit.quarkus.KafkaTestResource;
import dev.meldtown.testkit.quarkus.S3TestResource;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/** The garbage collector against a real S3 server: the bucket listed before and after each run. */
@QuarkusTest
@QuarkusTestResource(value = KafkaTestResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = S3TestResource.class, restrictToAnnotatedClass = true)
class GarbageCollectionTest {
    private static final String H1 = "a1" + "0".repeat(62);
    private static final String H2 = "b2" + "0".repeat(62);

    @Inject
    S3Client s3;

    @Inject
    S3Config s3Config;

    @Inject
    GarbageCollector gc;

    @Inject
    MeterRegistry registry;

    @Inject
    MergeConfig config;

    @Test
    void keepsTheNewestCheckpointsEveryReplicaFileAndTheBlockLogAndRemovesOldResultsAndAnnouncedEntries() throws Exception {
        String tenant = "gc" + UUID.randomUUID().toString().substring(0, 8);
        DocRef doc = DocRef.of(tenant, "todo");
        ReplicaRef alice = doc.replica("alice");
        // replica files: never collected, however old
        List<String> files = List.of(BucketLayout.file(alice, H1 + ".delta", false), BucketLayout.file(alice, H2 + ".pack", false),
                BucketLayout.file(alice, H2 + ".index", false));
        files.forEach(k -> put(k, "{}"));
        // five checkpoints, one second apart (S3 modification times have second precision); latest names the oldest
        List<String> checkpoints = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            String key = BucketLayout.checkpoint(alice, String.valueOf(i).repeat(64));
            put(key, "{}");
            checkpoints.add(key);
            Thread.sleep(1100);
        }
        put(BucketLayout.latestCheckpoint(alice), "{\"name\":\"" + "0".repeat(64) + "\",\"position\":\"" + BlockLog.position(2) + "\"}");
        // the block log: two entries at or before the checkpoint's position, one after; all are kept, however old
        String oldEntry1 = BucketLayout.blockLogEntry(alice, 1);
        String oldEntry2 = BucketLayout.blockLogEntry(alice, 2);
        String newEntry = BucketLayout.blockLogEntry(alice, 3);
        put(oldEntry1, H1);
        put(oldEntry2, H2);
        put(newEntry, H1);
        // 250 merge results (more than two batches of 100 in tests); one is the result of alice's block H1
        String announced = BucketLayout.result(doc, MergeProcessor.sha256("block:alice:" + H1));
        put(announced, "[]");
        for (int i = 0; i < 249; i++) {
            put(BucketLayout.result(doc, MergeProcessor.sha256("request " + i)), "[]");
        }
        // outbox entries: H1 was announced (its result is stored), H2 was not
        String leftBehind = BucketLayout.outbox(alice, H1);
        String waiting = BucketLayout.outbox(BucketLayout.MERGE_OUTBOX, alice, H2);
        put(leftBehind, "{}");
        put(waiting, "{}");
        Set<String> before = keys(tenant);

        // now: only the extra checkpoint goes (results and entries are young)
        GarbageCollector.Report first = gc.run(Instant.now());
        Set<String> afterFirst = keys(tenant);
        Set<String> expected = new TreeSet<>(before);
        expected.remove(checkpoints.get(1)); // newest three (4, 3, 2) and the latest's (0) stay
        assertThat(afterFirst).isEqualTo(expected).contains(oldEntry1, oldEntry2, newEntry);
        assertThat(first.checkpoints()).isEqualTo(1);
        assertThat(first.results()).isZero();
        assertThat(first.outbox()).isZero();

        // fifteen days later: every result is past the retention, and the announced entry goes with the first of them
        double batchesBefore = deleteRequests();
        GarbageCollector.Report later = gc.run(Instant.now().plus(Duration.ofDays(15)));
        Set<String> afterLater = keys(tenant);
        expected.remove(leftBehind);
        expected.removeIf(k -> k.startsWith(BucketLayout.results(doc)));
        assertThat(afterLater).isEqualTo(expected);
        assertThat(afterLater).containsAll(files).contains(waiting, oldEntry1, oldEntry2, newEntry, checkpoints.get(0), checkpoints.get(2),
                checkpoints.get(3), checkpoints.get(4), BucketLayout.latestCheckpoint(alice));
        assertThat(later.results()).isGreaterThanOrEqualTo(250);
        assertThat(later.outbox()).isEqualTo(1);
        // bounded batches: at least three DeleteObjects requests of at most 100 keys for this tenant's 251 objects
        assertThat(deleteRequests() - batchesBefore).isGreaterThanOrEqualTo(3);
        assertThat(registry.find("meldtown.gc.deleted").tag("kind", "merge-result").counter().count()).isGreaterThanOrEqualTo(250);
    }

    @Test
    void aPassMakesAtMostRequestsPerSecondS3Requests() {
        int rate = config.gc().requestsPerSecond();
        assertThat(rate).as("meldtown.merge.gc.requests-per-second").isPositive();
        String tenant = "gcpace" + UUID.randomUUID().toString().substring(0, 8);
        int docs = 20;
        for (int i = 0; i < docs; i++) {
            ReplicaRef r = DocRef.of(tenant, "d" + i).replica("alice");
            put(BucketLayout.checkpoint(r, "c".repeat(64)), "{}");
            put(BucketLayout.latestCheckpoint(r), "{\"name\":\"" + "c".repeat(64) + "\",\"position\":\"" + BlockLog.position(1) + "\"}");
        }
        double readsBefore = requests("GetObject");
        long start = System.nanoTime();
        gc.run(Instant.now());
        double seconds = (System.nanoTime() - start) / 1e9;
        // one checkpoint each, fewer than are kept: no latest pointer is read (it was one GetObject per replica; the
        // bound leaves room for what the application reads meanwhile)
        assertThat(requests("GetObject") - readsBefore).as("GetObject requests during the pass").isLessThan(docs / 2.0);
        // each document costs at least its checkpoint listing and its results listing (its replicas' latest pointers are
        // read only when they hold more checkpoints than are kept, not here)
        assertThat(seconds).as("a pass over %d documents at %d requests/s", docs, rate).isGreaterThanOrEqualTo((2.0 * docs - 1) / rate);
    }

    private void put(String key, String body) {
        s3.putObject(b -> b.bucket(s3Config.bucket()).key(key), RequestBody.fromString(body, StandardCharsets.UTF_8));
    }

    /** Every key of the tenant in the bucket: its part of tenants/ and its entries in both outboxes. */
    private Set<String> keys(String tenant) {
        Set<String> out = new TreeSet<>();
        for (String prefix : List.of("tenants/" + tenant + "/", BucketLayout.OUTBOX + tenant + "/", BucketLayout.MERGE_OUTBOX + tenant + "/")) {
            for (S3Object o : s3.listObjectsV2Paginator(b -> b.bucket(s3Config.bucket()).prefix(prefix)).contents()) {
                out.add(o.key());
            }
        }
        return out;
    }

    private double deleteRequests() {
        return requests("DeleteObjects");
    }

    private double requests(String operation) {
        return registry.find("meldtown.s3.operations").tag("operation", operation).timers().stream().mapToDouble(t -> t.count()).sum();
    }
}
