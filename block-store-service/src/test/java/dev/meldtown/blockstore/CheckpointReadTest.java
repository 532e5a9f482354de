package dev.meldtown.blockstore;

import static dev.meldtown.blockstore.Fixtures.as;
import static org.assertj.core.api.Assertions.assertThat;

import dev.meldtown.crdt.CanonicalJson;
import dev.meldtown.crdt.Checkpoint;
import dev.meldtown.crdt.MemoryStorage;
import dev.meldtown.crdt.Replica;
import dev.meldtown.service.S3Config;
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

/** Reads start from the merge-service's newest read checkpoint plus newer blocks, and equal a full replay. */
@QuarkusTest
@QuarkusTestResource(value = KafkaTestResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = S3TestResource.class, restrictToAnnotatedClass = true)
class CheckpointReadTest {
    @Inject
    S3Client s3;

    @Inject
    S3Config s3Config;

    @Test
    void aCheckpointedReplicaReadsTheSameWithFarFewerDownloads() {
        // pointer + checkpoint + the one newer block and its packs, against every block and pack
        compareReads("hub");
    }

    /** A replica without a checkpoint of its own starts from the hub's: replicas converge through the hub. */
    @Test
    void anotherReplicaOfTheDocumentLoadsFromTheHubsCheckpoint() {
        compareReads("alice");
    }

    /**
     * One replica (8 commits, a hub checkpoint, then one newer commit) stored as {@code replica} of two documents,
     * only one of which has the hub checkpoint: both read the same, the checkpointed one with under half the GETs.
     */
    private void compareReads(String replica) {
        MemoryStorage local = new MemoryStorage();
        Replica r = Replica.open(local);
        for (int i = 0; i < 8; i++) {
            r.update("{\"title\":\"v" + i + "\",\"items\u266D\":[{\"_id\":\"i" + i + "\",\"n\":" + i + "}]}");
            r.commit("alice", "c" + i);
        }
        Checkpoint checkpoint = Checkpoint.of(r);
        r.update("{\"title\":\"after the checkpoint\",\"items\u266D\":[]}");
        r.commit("alice", "newer");
        String expected = CanonicalJson.write(r.read());

        String withCheckpoint = Fixtures.uniqueDoc();
        String withoutCheckpoint = Fixtures.uniqueDoc();
        upload(withCheckpoint, replica, local);
        upload(withoutCheckpoint, replica, local);
        String dir = "tenants/acme/docs/" + withCheckpoint + "/checkpoints/hub/";
        put(dir + checkpoint.name() + ".json", checkpoint.bytes());
        put(dir + "latest", ("{\"name\":\"" + checkpoint.name() + "\"}").getBytes(StandardCharsets.UTF_8));

        double before = getObjects();
        String fromCheckpoint = read(withCheckpoint, replica);
        double checkpointGets = getObjects() - before;
        before = getObjects();
        String fromReplay = read(withoutCheckpoint, replica);
        double replayGets = getObjects() - before;

        assertThat(fromCheckpoint).isEqualTo(expected);
        assertThat(fromReplay).isEqualTo(expected);
        assertThat(checkpointGets).isLessThan(replayGets / 2);
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

    /** Total GetObject requests this service made, from its own S3 metrics. */
    private static double getObjects() {
        return RestAssured.get("/q/metrics").asString().lines()
                .filter(l -> l.startsWith("meldtown_s3_operations_seconds_count{") && l.contains("operation=\"GetObject\""))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }
}
