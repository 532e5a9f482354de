package dev.meldtown.blockstore;

import static dev.meldtown.blockstore.Fixtures.as;
import static org.assertj.core.api.Assertions.assertThat;

import dev.meldtown.blockstore.internal.BlockAnnouncer;
import dev.meldtown.crdt.MemoryStorage;
import dev.meldtown.crdt.Replica;
import dev.meldtown.events.Topics;
import dev.meldtown.service.S3Config;
import dev.meldtown.testkit.EventsProbe;
import dev.meldtown.testkit.quarkus.KafkaTestResource;
import dev.meldtown.testkit.quarkus.S3TestResource;
import io.quarkus.scheduler.Scheduler;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Issue 11 item 3: what announcing a stored block costs. {@code PUT …/files/<id>.delta} (its pack already stored)
 * checks the block's objects against its pack (which this instance has just stored, so it is not read back:
 * {@code KnownPacks}), writes the outbox entry and the delta (conditional PUTs, no existence probe), publishes from
 * memory, and the next sweep deletes the acknowledged entries in one batch request; since issue 14 the delta also gets
 * its entry in its replica's block log (one PUT). About 3.1 S3 requests per delta (it was 7: an existence probe of the
 * pack and of the delta, the pack read, the entry read back and deleted one by one).
 */
@QuarkusTest
@QuarkusTestResource(value = KafkaTestResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = S3TestResource.class, restrictToAnnotatedClass = true)
class AnnounceCostTest {
    private static final int BLOCKS = 10;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    @Inject
    S3Client s3;

    @Inject
    S3Config s3Config;

    @Inject
    Scheduler scheduler;

    @Test
    void announcingAStoredDeltaCostsAboutThreeS3Requests() throws Exception {
        String doc = Fixtures.uniqueDoc();
        MemoryStorage local = new MemoryStorage();
        Replica writer = Replica.open(local);
        List<String> blocks = new ArrayList<>();
        for (int i = 0; i < BLOCKS; i++) {
            writer.update("{\"title\":\"cost\",\"n\":" + i + "}");
            blocks.add(writer.commit("alice", null).orElseThrow());
        }
        String base = "/v1/tenants/acme/docs/{doc}/replicas/alice/files/{key}";
        for (String key : Fixtures.uploadOrder(local)) {
            if (!key.endsWith(".delta")) {
                as("acme", "writer").body(local.read(key)).put(base, doc, key).then().statusCode(201);
            }
        }
        scheduler.pause(BlockAnnouncer.SWEEP_JOB); // its listings every few seconds would blur the count
        // the quota's usage is saved once a second per tenant (a GET and a PUT), whatever the number of writes
        scheduler.pause(dev.meldtown.blockstore.internal.Quotas.FLUSH_JOB);
        Map<String, Double> before;
        Map<String, Double> after;
        try {
            before = quietRequests();
            for (String block : blocks) { // parents first, as a client pushes them
                as("acme", "writer").body(local.read(block + ".delta")).put(base, doc, block + ".delta").then().statusCode(201);
            }
            var events = EventsProbe.await(bootstrap, Topics.BLOCKS, s -> doc.equals(s.data().path("doc").asText()), BLOCKS,
                    Duration.ofSeconds(60));
            assertThat(events).extracting(s -> s.data().get("block").asText()).containsExactlyInAnyOrderElementsOf(blocks);
            assertThat(keys("outbox/acme/" + doc + "/")).as("acknowledged, deleted by the next sweep").hasSize(BLOCKS);
        } finally {
            scheduler.resume(BlockAnnouncer.SWEEP_JOB);
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!keys("outbox/acme/" + doc + "/").isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        assertThat(keys("outbox/acme/" + doc + "/")).isEmpty();
        after = quietRequests();
        scheduler.resume(dev.meldtown.blockstore.internal.Quotas.FLUSH_JOB);
        Map<String, Double> spent = new TreeMap<>(after);
        spent.replaceAll((op, n) -> n - before.getOrDefault(op, 0.0));
        spent.remove("ListObjectsV2"); // the resumed sweeper's own listings of the outbox, not per block
        spent.values().removeIf(n -> n == 0);
        double perDelta = spent.values().stream().mapToDouble(Double::doubleValue).sum() / BLOCKS;
        System.out.printf("S3 requests for %d announced deltas: %s, %.2f per delta%n", BLOCKS, spent, perDelta);
        assertThat(spent.getOrDefault("HeadObject", 0.0)).as("no existence probes").isZero();
        assertThat(spent.getOrDefault("DeleteObject", 0.0)).as("no delete one by one").isZero();
        // issue 14: each stored delta is also logged in its replica's block log, so reads need not list the replica
        assertThat(spent.get("PutObject")).as("the outbox entry, the delta and its block-log entry").isEqualTo(3.0 * BLOCKS);
        // the packs were stored through this instance just before: the deltas' checks do not read them back (it was one
        // GET per delta); the GETs left are of per-tenant state cached for 2 s (settings, quota usage), which vary with
        // how long the ten uploads take
        assertThat(spent.getOrDefault("GetObject", 0.0)).as("no pack read back").isLessThan(BLOCKS / 2.0);
        // 3 PUTs, a tenth of a batch delete and those few cached reads per delta
        assertThat(perDelta).isLessThanOrEqualTo(4.0);
    }

    private List<String> keys(String prefix) {
        return s3.listObjectsV2Paginator(b -> b.bucket(s3Config.bucket()).prefix(prefix)).contents().stream().map(o -> o.key()).toList();
    }

    /** S3 requests by operation, from the service's own metrics, once they have not moved for a second. */
    private static Map<String, Double> quietRequests() throws InterruptedException {
        Map<String, Double> last = requests();
        for (int i = 0; i < 30; i++) {
            Thread.sleep(1000);
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
