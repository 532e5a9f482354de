package dev.meldtown.blockstore;

import static dev.meldtown.blockstore.Fixtures.as;
import static org.assertj.core.api.Assertions.assertThat;

import dev.meldtown.crdt.MemoryStorage;
import dev.meldtown.model.ReplicaRef;
import dev.meldtown.service.S3Config;
import dev.meldtown.storage.s3.BucketLayout;
import dev.meldtown.storage.s3.S3Storage;
import dev.meldtown.testkit.quarkus.KafkaTestResource;
import dev.meldtown.testkit.quarkus.S3TestResource;
import io.quarkus.scheduler.Scheduler;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import jakarta.inject.Inject;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A file read again costs no S3 request ({@code FileCache}): a replica's files are write-once, so the bytes an instance
 * has stored or read stay what the key holds. Counted with the service's own {@code meldtown_s3_operations} metrics.
 */
@QuarkusTest
@TestProfile(FileReadCostTest.SteadyCaches.class)
@QuarkusTestResource(value = KafkaTestResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = S3TestResource.class, restrictToAnnotatedClass = true)
class FileReadCostTest {
    /** The tombstones and settings, read once per tenant or document and kept, so that only file reads are counted. */
    public static class SteadyCaches implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("meldtown.deletions.cache", "PT10M", "meldtown.block-store.settings-cache", "PT10M");
        }
    }

    @Inject
    S3Client s3;

    @Inject
    S3Config s3Config;

    @Inject
    Scheduler scheduler;

    @BeforeEach
    void quiet() {
        // their own periodic S3 requests would blur the count
        scheduler.pause(dev.meldtown.blockstore.internal.BlockAnnouncer.SWEEP_JOB);
        scheduler.pause(dev.meldtown.blockstore.internal.Quotas.FLUSH_JOB);
        scheduler.pause(dev.meldtown.blockstore.internal.ScopeDeletions.JOB);
    }

    @AfterEach
    void resume() {
        scheduler.resume(dev.meldtown.blockstore.internal.BlockAnnouncer.SWEEP_JOB);
        scheduler.resume(dev.meldtown.blockstore.internal.Quotas.FLUSH_JOB);
        scheduler.resume(dev.meldtown.blockstore.internal.ScopeDeletions.JOB);
    }

    @Test
    void aFileThisInstanceStoredIsReadBackWithoutAnyS3GetWholeOrInPart() throws Exception {
        String doc = Fixtures.uniqueDoc();
        MemoryStorage local = Fixtures.localReplica("{\"title\":\"cached\",\"n\":1}");
        String base = "/v1/tenants/acme/docs/" + doc + "/replicas/alice/files/";
        List<String> keys = Fixtures.uploadOrder(local);
        for (String key : keys) {
            as("acme", "writer").body(local.read(key)).put(base + key).then().statusCode(201);
        }
        String pack = keys.get(0);
        byte[] bytes = local.read(pack);
        as("acme", "reader").get(base + pack).then().statusCode(200); // the tombstones and settings, read once and cached
        Map<String, Double> before = quietRequests();
        for (int i = 0; i < 5; i++) {
            for (String key : keys) {
                assertThat(as("acme", "reader").get(base + key).then().statusCode(200).extract().asByteArray()).isEqualTo(local.read(key));
            }
        }
        as("acme", "reader").header("Range", "bytes=1-3").get(base + pack).then().statusCode(206)
                .header("Content-Range", "bytes 1-3/" + bytes.length);
        as("acme", "reader").head(base + pack).then().statusCode(200).header("Content-Length", String.valueOf(bytes.length));
        Map<String, Double> spent = since(before);
        assertThat(spent.getOrDefault("GetObject", 0.0)).as("S3 GETs for %d reads of stored files: %s", 5 * keys.size() + 2, spent).isZero();
        assertThat(spent.getOrDefault("HeadObject", 0.0)).isZero();
    }

    @Test
    void aFileStoredByAnotherInstanceIsReadFromS3OnceThenServedFromMemory() throws Exception {
        String doc = Fixtures.uniqueDoc();
        MemoryStorage local = Fixtures.localReplica("{\"title\":\"elsewhere\"}");
        String base = "/v1/tenants/acme/docs/" + doc + "/replicas/bob/files/";
        List<String> keys = Fixtures.uploadOrder(local);
        // stored as another instance stores it: straight into the bucket's layout of the replica
        try (S3Storage elsewhere = new S3Storage(s3, s3Config.bucket(), BucketLayout.replica(ReplicaRef.of("acme", doc, "bob")))) {
            for (String key : keys) {
                elsewhere.write(key, local.read(key));
            }
        }
        as("acme", "reader").get(base + "0".repeat(64) + ".pack").then().statusCode(404); // warms tombstones and settings
        Map<String, Double> before = quietRequests();
        for (int i = 0; i < 3; i++) {
            for (String key : keys) {
                assertThat(as("acme", "reader").get(base + key).then().statusCode(200).extract().asByteArray()).isEqualTo(local.read(key));
            }
        }
        Map<String, Double> spent = since(before);
        assertThat(spent.getOrDefault("GetObject", 0.0)).as("one S3 GET per file, for 3 reads of each: %s", spent).isEqualTo(keys.size());
        // a file that is not there is looked up every time: it may be stored at any moment
        before = quietRequests();
        as("acme", "reader").get(base + "0".repeat(64) + ".pack").then().statusCode(404);
        as("acme", "reader").get(base + "0".repeat(64) + ".pack").then().statusCode(404);
        assertThat(since(before).getOrDefault("GetObject", 0.0)).isEqualTo(2.0);
    }

    private static Map<String, Double> since(Map<String, Double> before) throws InterruptedException {
        Map<String, Double> spent = new TreeMap<>(quietRequests());
        spent.replaceAll((op, n) -> n - before.getOrDefault(op, 0.0));
        spent.values().removeIf(n -> n == 0);
        return spent;
    }

    /** S3 requests by operation, from the service's own metrics, once they have not moved for half a second. */
    private static Map<String, Double> quietRequests() throws InterruptedException {
        Map<String, Double> last = requests();
        for (int i = 0; i < 30; i++) {
            Thread.sleep(500);
            Map<String, Double> now = requests();
            if (now.equals(last)) {
                return now;
            }
            last = now;
        }
        return last;
    }

    private static Map<String, Double> requests() {
        Map<String, Double> out = new TreeMap<>();
        RestAssured.get("/q/metrics").asString().lines().filter(l -> l.startsWith("meldtown_s3_operations_seconds_count{")).forEach(l -> {
            int at = l.indexOf("operation=\"") + "operation=\"".length();
            out.merge(l.substring(at, l.indexOf('"', at)), Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)), Double::sum);
        });
        return out;
    }
}
