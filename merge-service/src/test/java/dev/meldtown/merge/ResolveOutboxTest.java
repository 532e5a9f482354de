package dev.meldtown.merge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meldtown.crdt.DeltaBlock;
import dev.meldtown.crdt.MemoryStorage;
import dev.meldtown.events.EventCodec;
import dev.meldtown.events.EventType;
import dev.meldtown.events.Payloads;
import dev.meldtown.events.Topics;
import dev.meldtown.model.ReplicaRef;
import dev.meldtown.service.S3Config;
import dev.meldtown.storage.s3.BucketLayout;
import dev.meldtown.testkit.EventsProbe;
import dev.meldtown.testkit.quarkus.KafkaTestResource;
import dev.meldtown.testkit.quarkus.S3TestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A resolve block the merge-service committed is announced through the same block outbox as an upload, under its own
 * root ({@code merge/outbox/}) and with its own CloudEvents source: what a crash between the delta write and the
 * publish leaves (the intent and the stored delta, no event) is announced by the sweeper, and an intent whose delta
 * never landed (a crash before the delta write) is dropped without an event.
 */
@QuarkusTest
@TestProfile(ResolveOutboxTest.FastSweep.class)
@QuarkusTestResource(value = KafkaTestResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = S3TestResource.class, restrictToAnnotatedClass = true)
class ResolveOutboxTest {
    public static class FastSweep implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("meldtown.merge.outbox.grace", "PT1S", "meldtown.merge.outbox.sweep-every", "1s", "meldtown.merge.consume", "false");
        }
    }

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    @Inject
    S3Client s3;

    @Inject
    S3Config s3Config;

    @Test
    void aResolveBlockLeftBehindByACrashIsAnnouncedAndAnIntentWithoutDeltaIsDropped() throws Exception {
        try (Hub h = new Hub(s3, s3Config.bucket(), bootstrap, "acme", "{\"conflictPolicy\":\"resolve-to-winner\"}")) {
            MemoryStorage local = Hub.commit(new MemoryStorage(), "{\"title\":\"resolved before the crash\"}", MergeProcessor.AUTHOR);
            String block = Hub.tip(local);
            ReplicaRef hub = ReplicaRef.of("acme", h.doc, "hub");
            // what a crash between the resolve's delta write and the publish leaves: the intent, the pack, the delta
            DeltaBlock b = DeltaBlock.parse(block, local.read(block + ".delta"));
            put(BucketLayout.outbox(BucketLayout.MERGE_OUTBOX, hub, block), EventCodec.mapper().writeValueAsBytes(new Payloads.BlockCommitted(
                    "acme", h.doc, "hub", block, b.parents(), b.packs(), b.bytes().length)));
            h.push(local, "hub");
            // and a crash before the delta write: an intent whose block never landed
            String ghost = "e".repeat(64);
            put(BucketLayout.outbox(BucketLayout.MERGE_OUTBOX, hub, ghost), ("{\"tenant\":\"acme\",\"doc\":\"" + h.doc
                    + "\",\"replica\":\"hub\",\"block\":\"" + ghost + "\",\"parents\":[],\"packs\":[],\"bytes\":1}").getBytes());

            var events = EventsProbe.await(bootstrap, Topics.BLOCKS, s -> h.doc.equals(s.data().path("doc").asText()), 1, Duration.ofSeconds(60));
            assertThat(events).hasSize(1);
            assertThat(events.get(0).type()).isEqualTo(EventType.BLOCK_COMMITTED.type());
            assertThat(events.get(0).data().get("block").asText()).isEqualTo(block);
            assertThat(events.get(0).data().get("replica").asText()).isEqualTo("hub");
            assertThat(events.get(0).event().getSource().toString()).isEqualTo(EventType.Sources.MERGE);
            awaitEmpty(BucketLayout.MERGE_OUTBOX + "acme/" + h.doc + "/");
            assertThat(EventsProbe.await(bootstrap, Topics.BLOCKS, s -> ghost.equals(s.data().path("block").asText()), 1,
                    Duration.ofSeconds(3))).isEmpty();
            // block-store's outbox root is not this service's to sweep
            assertThat(keys(BucketLayout.OUTBOX + "acme/" + h.doc + "/")).isEmpty();
        }
    }

    private void put(String key, byte[] bytes) {
        s3.putObject(b -> b.bucket(s3Config.bucket()).key(key), RequestBody.fromBytes(bytes));
    }

    private List<String> keys(String prefix) {
        return s3.listObjectsV2Paginator(b -> b.bucket(s3Config.bucket()).prefix(prefix)).contents().stream().map(o -> o.key()).toList();
    }

    private void awaitEmpty(String prefix) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!keys(prefix).isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        assertThat(keys(prefix)).isEmpty();
    }
}
