package dev.meldtown.merge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meldtown.crdt.MemoryStorage;
import dev.meldtown.events.EventCodec;
import dev.meldtown.events.EventType;
import dev.meldtown.events.Payloads;
import dev.meldtown.events.Topics;
import dev.meldtown.model.DocRef;
import dev.meldtown.model.ReplicaRef;
import dev.meldtown.model.Scope;
import dev.meldtown.service.Deletions;
import dev.meldtown.service.S3Config;
import dev.meldtown.testkit.EventsProbe;
import dev.meldtown.testkit.quarkus.KafkaTestResource;
import dev.meldtown.testkit.quarkus.S3TestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Issue 14: once block-store has tombstoned a document or a replica, merge-service skips that scope's late events
 * (nothing melded, nothing written under the deleted prefix, no merge.completed) without dead-lettering them, and
 * takes the new deletion events only as a reason to drop its loaded replicas.
 */
@QuarkusTest
@QuarkusTestResource(value = KafkaTestResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = S3TestResource.class, restrictToAnnotatedClass = true)
class DeletedScopeTest {
    private static final Duration ABSENT = Duration.ofSeconds(6);

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    @Inject
    S3Client s3;

    @Inject
    S3Config s3Config;

    @Inject
    Deletions deletions;

    @Test
    void lateEventsOfADeletedDocumentOrReplicaAreSkippedNotDeadLettered() throws Exception {
        try (Hub live = new Hub(s3, s3Config.bucket(), bootstrap, "acme", MergeFlowTest.KEEP);
             Hub gone = new Hub(s3, s3Config.bucket(), bootstrap, "acme", MergeFlowTest.KEEP)) {
            MemoryStorage alice = Hub.commit(new MemoryStorage(), "{\"title\":\"before\"}", "alice");
            gone.push(alice, "alice");
            gone.announce(alice, "alice");
            assertThat(completed(gone, "block:alice:" + Hub.tip(alice), 1)).hasSize(1);
            List<String> hubFiles = gone.objectKeys("replicas/hub/");
            List<String> checkpoints = gone.objectKeys("checkpoints/");
            assertThat(hubFiles).isNotEmpty();

            // block-store accepts the document's deletion: its tombstone, then (after the removal) doc.deleted
            deletions.request(Scope.of(DocRef.of("acme", gone.doc)), "test");
            gone.send(Topics.BLOCKS, EventCodec.encode(EventType.DOC_DELETED, gone.doc, new Payloads.DocDeleted("acme", gone.doc, "document")));
            // a late block and a late merge request of the deleted document
            Hub.commit(alice, "{\"title\":\"after the deletion\"}", "alice");
            gone.push(alice, "alice");
            gone.announce(alice, "alice");
            String request = gone.requestMerge("alice", "hub");

            // a live document's event behind them is processed: the consumer went past the skipped ones
            MemoryStorage bob = Hub.commit(new MemoryStorage(), "{\"title\":\"live\"}", "bob");
            live.push(bob, "bob");
            live.announce(bob, "bob");
            assertThat(completed(live, "block:bob:" + Hub.tip(bob), 1)).hasSize(1);

            assertThat(EventsProbe.await(bootstrap, Topics.MERGES, s -> !EventType.MERGE_REQUESTED.type().equals(s.type())
                    && gone.doc.equals(s.data() == null ? null : s.data().path("doc").asText())
                    && (("block:alice:" + Hub.tip(alice)).equals(s.data().path("requestId").asText()) || request.equals(s.data().path("requestId").asText())),
                    1, ABSENT)).as("no merge.completed or merge.failed for the deleted document").isEmpty();
            assertThat(EventsProbe.await(bootstrap, Topics.MERGES_DLQ, s -> ("acme/" + gone.doc).equals(s.key()), 1, ABSENT))
                    .as("nothing dead-lettered").isEmpty();
            // nothing was written back under the deleted document
            assertThat(gone.objectKeys("replicas/hub/")).isEqualTo(hubFiles);
            assertThat(gone.objectKeys("checkpoints/")).isEqualTo(checkpoints);
        }
    }

    @Test
    void aDeletedReplicaGetsNothingMeldedIntoItAndItsLateBlocksAreSkipped() throws Exception {
        try (Hub h = new Hub(s3, s3Config.bucket(), bootstrap, "acme", MergeFlowTest.KEEP)) {
            MemoryStorage alice = Hub.commit(new MemoryStorage(), "{\"title\":\"a\"}", "alice");
            MemoryStorage bob = Hub.commit(new MemoryStorage(), "{\"title\":\"b\"}", "bob");
            h.push(bob, "bob");
            h.announce(bob, "bob");
            assertThat(completed(h, "block:bob:" + Hub.tip(bob), 1)).hasSize(1);
            List<String> bobFiles = h.objectKeys("replicas/bob/");

            deletions.request(Scope.of(ReplicaRef.of("acme", h.doc, "bob")), "test");
            h.send(Topics.BLOCKS, EventCodec.encode(EventType.REPLICA_DELETED, h.doc, new Payloads.ReplicaDeleted("acme", h.doc, "bob")));
            // alice's block reaches the hub, but not the deleted bob
            h.push(alice, "alice");
            h.announce(alice, "alice");
            List<EventsProbe.Seen> results = completed(h, "block:alice:" + Hub.tip(alice), 2);
            assertThat(results).extracting(s -> s.data().get("target").asText()).containsExactly("hub", "alice");
            assertThat(h.objectKeys("replicas/bob/")).isEqualTo(bobFiles);
            // a late block of bob is skipped, not dead-lettered
            Hub.commit(bob, "{\"title\":\"late\"}", "bob");
            h.push(bob, "bob");
            h.announce(bob, "bob");
            assertThat(EventsProbe.await(bootstrap, Topics.MERGES, s -> ("block:bob:" + Hub.tip(bob)).equals(
                    s.data() == null ? null : s.data().path("requestId").asText()), 1, ABSENT)).isEmpty();
            assertThat(EventsProbe.await(bootstrap, Topics.MERGES_DLQ, s -> ("acme/" + h.doc).equals(s.key()), 1, ABSENT)).isEmpty();
        }
    }

    private List<EventsProbe.Seen> completed(Hub h, String requestId, int count) throws Exception {
        return EventsProbe.await(bootstrap, Topics.MERGES, s -> EventType.MERGE_COMPLETED.type().equals(s.type())
                && h.doc.equals(s.data().path("doc").asText()) && requestId.equals(s.data().path("requestId").asText()), count,
                MergeFlowTest.WAIT);
    }
}
