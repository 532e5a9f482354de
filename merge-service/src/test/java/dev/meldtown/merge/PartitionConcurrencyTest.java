package dev.meldtown.merge;

import dev.meldtown.crdt.MemoryStorage;
import dev.meldtown.events.EventType;
import dev.meldtown.events.Topics;
import dev.meldtown.model.DocRef;
import dev.meldtown.service.S3Config;
import dev.meldtown.storage.s3.BucketLayout;
import dev.meldtown.testkit.EventsProbe;
import dev.meldtown.testkit.quarkus.KafkaTestResource;
import dev.meldtown.testkit.quarkus.S3TestResource;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.utils.Utils;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The consumer works on several partitions at once: a record that waits for its retry holds up its own partition only.
 * Against a real broker and a real S3 server, with a retry backoff long enough that a consumer working on one record
 * at a time (as before) would hold the other document's event up for it.
 */
@QuarkusTest
@TestProfile(PartitionConcurrencyTest.LongBackoff.class)
@QuarkusTestResource(value = KafkaTestResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = S3TestResource.class, restrictToAnnotatedClass = true)
class PartitionConcurrencyTest {
    static final Duration BACKOFF = Duration.ofSeconds(10);

    public static class LongBackoff implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("meldtown.merge.retry-backoff", "PT" + BACKOFF.toSeconds() + "S");
        }
    }

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    @Inject
    S3Client s3;

    @Inject
    S3Config s3Config;

    @Inject
    MeterRegistry registry;

    @Test
    void aRecordWaitingForItsRetryHoldsUpOnlyItsOwnPartition() throws Exception {
        int partitions = partitions(Topics.BLOCKS);
        assertThat(partitions).isGreaterThan(1);
        String stuckDoc = "stuck-" + UUID.randomUUID().toString().substring(0, 8);
        String goodDoc = docOutside(partitions, partition(partitions, "acme", stuckDoc));
        try (Hub stuck = new Hub(s3, s3Config.bucket(), bootstrap, "acme", stuckDoc, MergeFlowTest.KEEP);
             Hub good = new Hub(s3, s3Config.bucket(), bootstrap, "acme", goodDoc, MergeFlowTest.KEEP)) {
            // the event's stored outcome cannot be written (a "directory" of the filesystem store sits at its key), so the
            // event fails after its meld and is tried again, every time: its partition waits for the retry backoff
            MemoryStorage alice = Hub.commit(new MemoryStorage(), "{\"title\":\"stuck\"}", "alice");
            stuck.push(alice, "alice");
            String outcome = BucketLayout.result(DocRef.of("acme", stuckDoc), MergeProcessor.sha256("block:alice:" + Hub.tip(alice)));
            s3.putObject(b -> b.bucket(s3Config.bucket()).key(outcome + "/in-the-way"), RequestBody.fromString("x"));
            MemoryStorage bob = Hub.commit(new MemoryStorage(), "{\"title\":\"fine\"}", "bob");
            good.push(bob, "bob");

            double retriedBefore = retried();
            stuck.announce(alice, "alice");
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (retried() == retriedBefore) {
                assertThat(System.nanoTime()).as(() -> "the stuck event fails; events: "
                        + registry.find("meldtown.merge.events").counters().stream().map(c -> c.getId().getTag("outcome") + "=" + c.count()).toList())
                        .isLessThan(deadline);
                Thread.sleep(20);
            }
            // the stuck record's partition now waits BACKOFF for its second attempt; the other partition does not
            long announced = System.nanoTime();
            good.announce(bob, "bob");
            List<EventsProbe.Seen> hub = EventsProbe.await(bootstrap, Topics.MERGES, s -> EventType.MERGE_COMPLETED.type().equals(s.type())
                    && goodDoc.equals(s.data().path("doc").asText()) && "hub".equals(s.data().path("target").asText()), 1, MergeFlowTest.WAIT);
            Duration took = Duration.ofNanos(System.nanoTime() - announced);
            assertThat(hub).hasSize(1);
            assertThat(took).as("the other partition's event, while the stuck one waits for its retry").isLessThan(BACKOFF.dividedBy(2));
            assertThat(good.read("hub")).contains("\"title\":\"fine\"");

            // and the waiting partition comes back: its record is tried again once the backoff is over, not before
            while (retried() < retriedBefore + 2) {
                assertThat(System.nanoTime() - announced).as("the second attempt").isLessThan(MergeFlowTest.WAIT.toNanos());
                Thread.sleep(20);
            }
            assertThat(Duration.ofNanos(System.nanoTime() - announced)).as("not before its backoff").isGreaterThan(BACKOFF.minus(Duration.ofSeconds(2)));
        }
    }

    private double retried() {
        Counter c = registry.find("meldtown.merge.events").tag("outcome", "retried").counter();
        return c == null ? 0 : c.count();
    }

    private int partitions(String topic) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            long deadline = System.nanoTime() + MergeFlowTest.WAIT.toNanos();
            while (true) {
                try {
                    return admin.describeTopics(List.of(topic)).allTopicNames().get(15, TimeUnit.SECONDS).get(topic).partitions().size();
                } catch (java.util.concurrent.ExecutionException e) {
                    // the service creates its topics at start
                    assertThat(System.nanoTime()).as("topic " + topic).isLessThan(deadline);
                    Thread.sleep(100);
                }
            }
        }
    }

    /** The partition of a document's records, as the producer's default partitioner places a keyed record. */
    static int partition(int partitions, String tenant, String doc) {
        return Utils.toPositive(Utils.murmur2(Topics.key(tenant, doc).getBytes(StandardCharsets.UTF_8))) % partitions;
    }

    /** A document of tenant acme whose records go to another partition than {@code partition}. */
    private static String docOutside(int partitions, int partition) {
        while (true) {
            String doc = "good-" + UUID.randomUUID().toString().substring(0, 8);
            if (partition(partitions, "acme", doc) != partition) {
                return doc;
            }
        }
    }
}
