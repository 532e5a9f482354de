package dev.meldtown.blockstore;

import static dev.meldtown.blockstore.Fixtures.as;
import static org.assertj.core.api.Assertions.assertThat;

import dev.meldtown.crdt.CanonicalJson;
import dev.meldtown.crdt.Checkpoint;
import dev.meldtown.crdt.MemoryStorage;
import dev.meldtown.crdt.Replica;
import dev.meldtown.model.ReplicaRef;
import dev.meldtown.service.BlockLog;
import dev.meldtown.service.S3Config;
import dev.meldtown.storage.s3.BucketLayout;
import dev.meldtown.testkit.quarkus.KafkaTestResource;
import dev.meldtown.testkit.quarkus.S3TestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/** Reads start from the replica's newest read checkpoint plus the blocks logged since, and equal a full replay. */
@QuarkusTest
@QuarkusTestResource(value = KafkaTestResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = S3TestResource.class, restrictToAnnotatedClass = true)
class CheckpointReadTest {
    @Inject
    S3Client s3;

    @Inject
    S3Config s3Config;

    @Inject
    BlockLog blockLog;

    @Inject
    io.quarkus.scheduler.Scheduler scheduler;

    @Test
    void aCheckpointedReplicaReadsTheSameWithFarFewerDownloads() {
        // pointer + checkpoint + the one newer block and its pack, against every block and pack
        compareReads("hub");
    }

    @Test
    void anyReplicaReadsFromItsOwnCheckpoint() {
        compareReads("alice");
    }

    /**
     * One replica (12 commits, a checkpoint, then one newer commit) stored as {@code replica} of two documents, only one
     * of which has the checkpoint: both read the same, the checkpointed one from its state (the replica is not listed:
     * the block log since the checkpoint is) with under half the GETs; a second read with nothing new downloads nothing.
     * A replay GETs about two files per commit, so 12 commits keep the halving clear of the one GET of settings either
     * read may make (with 8, the checkpoint's 10 GETs against a replay's 19 failed a full run).
     */
    private void compareReads(String replica) {
        MemoryStorage local = new MemoryStorage();
        Replica r = Replica.open(local);
        for (int i = 0; i < 12; i++) {
            r.update("{\"title\":\"v" + i + "\",\"items\u266D\":[{\"_id\":\"i" + i + "\",\"n\":" + i + "}]}");
            r.commit("alice", "c" + i);
        }
        String withCheckpoint = Fixtures.uniqueDoc();
        String withoutCheckpoint = Fixtures.uniqueDoc();
        upload(withCheckpoint, replica, local);
        upload(withoutCheckpoint, replica, local);
        java.util.Set<String> uploaded = new java.util.HashSet<>(Fixtures.uploadOrder(local));
        // what the merge-service writes: the state, and where it stands in the replica's block log
        ReplicaRef ref = ReplicaRef.of("acme", withCheckpoint, replica);
        BlockLog.Cursor cursor = blockLog.cursorOf(ref, BlockLog.Cursor.start(), r);
        Checkpoint checkpoint = Checkpoint.of(r, cursor.position(), cursor.seen());
        put(BucketLayout.checkpoint(ref, checkpoint.name()), checkpoint.bytes());
        put(BucketLayout.latestCheckpoint(ref), ("{\"name\":\"" + checkpoint.name() + "\"}").getBytes(StandardCharsets.UTF_8));

        r.update("{\"title\":\"after the checkpoint\",\"items\u266D\":[]}");
        r.commit("alice", "newer");
        uploadNew(withCheckpoint, replica, local, uploaded);
        uploadNew(withoutCheckpoint, replica, local, uploaded);
        String expected = CanonicalJson.write(r.read());

        // The GET counter is the instance's: its background jobs must not read while it is compared. The quota flush
        // folds the uploads above into the saved usage (a GET of usage.json and of the replica's record, 133 bytes,
        // which failed a full run), and the deletion worker reads pending entries: both paused for the whole
        // comparison, and an in-flight run let finish (quietReadBytes). A GET of the document's settings may still
        // happen: they are cached for 2 s, and this one has none (a 404).
        scheduler.pause(dev.meldtown.blockstore.internal.Quotas.FLUSH_JOB);
        scheduler.pause(dev.meldtown.blockstore.internal.ScopeDeletions.JOB);
        try {
            quietReadBytes();
            double before = requests("GetObject");
            double fromState = reads("state");
            String fromCheckpoint = read(withCheckpoint, replica);
            double checkpointGets = requests("GetObject") - before;
            assertThat(reads("state") - fromState).as("answered from the checkpoint's state, no replay").isEqualTo(1);
            before = requests("GetObject");
            String fromReplay = read(withoutCheckpoint, replica);
            double replayGets = requests("GetObject") - before;

            assertThat(fromCheckpoint).isEqualTo(expected);
            assertThat(fromReplay).isEqualTo(expected);
            assertThat(checkpointGets).as("GETs from the checkpoint (%s) against a replay (%s)", checkpointGets, replayGets)
                    .isLessThan(replayGets / 2);

            double bytesBefore = quietReadBytes();
            assertThat(read(withCheckpoint, replica)).isEqualTo(expected);
            assertThat(readBytes() - bytesBefore).as("a cached state downloads nothing new").isZero();
        } finally {
            scheduler.resume(dev.meldtown.blockstore.internal.Quotas.FLUSH_JOB);
            scheduler.resume(dev.meldtown.blockstore.internal.ScopeDeletions.JOB);
        }
        // conflicts come from the state too, and equal the replay's
        String conflicts = as("acme", "reader").get("/v1/tenants/acme/docs/{doc}/replicas/{replica}/conflicts", withCheckpoint, replica)
                .then().statusCode(200).extract().asString();
        assertThat(conflicts).isEqualTo(as("acme", "reader").get("/v1/tenants/acme/docs/{doc}/replicas/{replica}/conflicts", withoutCheckpoint, replica)
                .then().statusCode(200).extract().asString());
    }

    /** A checkpoint of the former format (every block and pack) is ignored: the reader replays. */
    @Test
    void anOutdatedCheckpointIsIgnored() {
        MemoryStorage local = Fixtures.localReplica("{\"title\":\"old format\"}");
        String doc = Fixtures.uniqueDoc();
        upload(doc, local);
        put("tenants/acme/docs/" + doc + "/checkpoints/hub/latest", ("{\"name\":\"" + "b".repeat(64) + "\"}").getBytes(StandardCharsets.UTF_8));
        put("tenants/acme/docs/" + doc + "/checkpoints/hub/" + "b".repeat(64) + ".json",
                "{\"anchors\":[],\"blocks\":{},\"document\":\"{}\",\"format\":\"meldtown-checkpoint/1\",\"objects\":{}}".getBytes(StandardCharsets.UTF_8));
        assertThat(read(doc)).isEqualTo(CanonicalJson.write(Replica.open(local).read()));
    }

    @Test
    void anUnreadableCheckpointFallsBackToTheFullReplay() {
        MemoryStorage local = Fixtures.localReplica("{\"title\":\"fallback\"}");
        String doc = Fixtures.uniqueDoc();
        upload(doc, local);
        put("tenants/acme/docs/" + doc + "/checkpoints/hub/latest", ("{\"name\":\"" + "a".repeat(64) + "\"}").getBytes(StandardCharsets.UTF_8));
        put("tenants/acme/docs/" + doc + "/checkpoints/hub/" + "a".repeat(64) + ".json", "{not a checkpoint".getBytes(StandardCharsets.UTF_8));
        assertThat(read(doc)).isEqualTo(CanonicalJson.write(Replica.open(local).read()));
    }

    private void upload(String doc, MemoryStorage local) {
        upload(doc, "hub", local);
    }

    private void upload(String doc, String replica, MemoryStorage local) {
        for (String key : Fixtures.uploadOrder(local)) {
            as("acme", "writer").body(local.read(key)).put("/v1/tenants/acme/docs/{doc}/replicas/{replica}/files/{key}", doc, replica, key)
                    .then().statusCode(201);
        }
    }

    private void uploadNew(String doc, String replica, MemoryStorage local, java.util.Set<String> uploaded) {
        for (String key : Fixtures.uploadOrder(local)) {
            if (!uploaded.contains(key)) {
                as("acme", "writer").body(local.read(key)).put("/v1/tenants/acme/docs/{doc}/replicas/{replica}/files/{key}", doc, replica, key)
                        .then().statusCode(201);
            }
        }
    }

    private String read(String doc) {
        return read(doc, "hub");
    }

    private String read(String doc, String replica) {
        String body = as("acme", "reader").get("/v1/tenants/acme/docs/{doc}/replicas/{replica}/document", doc, replica)
                .then().statusCode(200).extract().asString();
        return CanonicalJson.write(CanonicalJson.parse(body));
    }

    private void put(String key, byte[] bytes) {
        s3.putObject(b -> b.bucket(s3Config.bucket()).key(key), RequestBody.fromBytes(bytes));
    }

    /** Reads answered from a read state ({@code via=state}) or by replay, from the service's metrics. */
    private static double reads(String via) {
        return RestAssured.get("/q/metrics").asString().lines()
                .filter(l -> l.startsWith("meldtown_block_store_reads_total{") && l.contains("via=\"" + via + "\""))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    /** Bytes of objects this service read from S3 (service-support's S3 metrics). */
    /** The bytes read, once the counter has not moved for 1.5 s (a background run that started before a pause ended). */
    private static double quietReadBytes() {
        double last = readBytes();
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (System.nanoTime() < deadline) {
            try {
                Thread.sleep(1500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            double now = readBytes();
            if (now == last) {
                return now;
            }
            last = now;
        }
        throw new AssertionError("the instance kept reading from S3 for 20 s with its background jobs paused");
    }

    private static double readBytes() {
        return RestAssured.get("/q/metrics").asString().lines().filter(l -> l.startsWith("meldtown_s3_read_bytes_total"))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    /** Total requests of one S3 operation this service made, from its own S3 metrics. */
    private static double requests(String operation) {
        return RestAssured.get("/q/metrics").asString().lines()
                .filter(l -> l.startsWith("meldtown_s3_operations_seconds_count{") && l.contains("operation=\"" + operation + "\""))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }
}
