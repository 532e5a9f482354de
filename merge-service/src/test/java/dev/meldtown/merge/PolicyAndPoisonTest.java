package dev.meldtown.merge;

import com.fasterxml.jackson.databind.JsonNode;
import dev.meldtown.crdt.CanonicalJson;
import dev.meldtown.crdt.LogEntry;
import dev.meldtown.crdt.MemoryStorage;
import dev.meldtown.crdt.Replica;
import dev.meldtown.events.EventCodec;
import dev.meldtown.events.EventSchemas;
import dev.meldtown.events.EventType;
import dev.meldtown.events.Payloads;
import dev.meldtown.events.Topics;
import dev.meldtown.service.S3Config;
import dev.meldtown.testkit.EventsProbe;
import dev.meldtown.testkit.quarkus.KafkaTestResource;
import dev.meldtown.testkit.quarkus.S3TestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import static org.assertj.core.api.Assertions.assertThat;

/** Conflict policies, poison events and metrics, against a real broker and a real S3 server. */
@QuarkusTest
@QuarkusTestResource(value = KafkaTestResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = S3TestResource.class, restrictToAnnotatedClass = true)
class PolicyAndPoisonTest {
    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    @Inject
    S3Client s3;

    @Inject
    S3Config s3Config;

    @Inject
    Bucket bucket;

    Hub hub(String settings) {
        return new Hub(s3, s3Config.bucket(), bootstrap, "acme", settings);
    }

    List<EventsProbe.Seen> completed(Hub h, String requestId, int count) throws Exception {
        return EventsProbe.await(bootstrap, Topics.MERGES, s -> EventType.MERGE_COMPLETED.type().equals(s.type())
                && h.doc.equals(s.data().path("doc").asText()) && requestId.equals(s.data().path("requestId").asText()), count,
                MergeFlowTest.WAIT);
    }

    /** alice and bob both change the title of a shared base; both blocks are announced. Returns bob's hub result. */
    EventsProbe.Seen concurrentTitles(Hub h, MemoryStorage alice, MemoryStorage bob) throws Exception {
        Hub.commit(alice, "{\"title\":\"base\",\"items\u266D\":[{\"_id\":\"a\"}]}", "alice");
        h.push(alice, "alice");
        h.announce(alice, "alice");
        assertThat(completed(h, "block:alice:" + Hub.tip(alice), 2)).hasSize(2);
        Replica.copyMissing(h.storage("hub"), bob);
        Hub.commit(alice, "{\"title\":\"by alice\",\"items\u266D\":[{\"_id\":\"a\"}]}", "alice");
        Hub.commit(bob, "{\"title\":\"by bob\",\"items\u266D\":[{\"_id\":\"a\"}]}", "bob");
        h.push(alice, "alice");
        h.push(bob, "bob");
        h.announce(alice, "alice");
        assertThat(completed(h, "block:alice:" + Hub.tip(alice), 3)).hasSize(3);
        h.announce(bob, "bob");
        List<EventsProbe.Seen> seen = completed(h, "block:bob:" + Hub.tip(bob), 3);
        assertThat(seen).extracting(s -> s.data().get("target").asText()).containsExactly("hub", "alice", "bob");
        seen.forEach(s -> assertThat(EventSchemas.validate(EventType.MERGE_COMPLETED, s.data())).isEmpty());
        return seen.get(0);
    }

    @Test
    void keepReportsTheConflictAndLeavesIt() throws Exception {
        try (Hub h = hub(MergeFlowTest.KEEP)) {
            JsonNode result = concurrentTitles(h, new MemoryStorage(), new MemoryStorage()).data();
            assertThat(result.get("conflicts").asInt()).isEqualTo(1);
            assertThat(MergeFlowTest.texts(result.get("conflictObjects"))).containsExactly(Replica.ROOT_ID);
            assertThat(result.get("resolved").asBoolean()).isFalse();
            assertThat(MergeFlowTest.texts(result.get("anchors"))).hasSize(2);
            Replica hubReplica = h.open("hub");
            assertThat(hubReplica.conflicts()).hasSize(1);
            assertThat(hubReplica.log()).noneMatch(e -> e.info() != null && "meldtown-merge".equals(e.info().path("author").asText()));
            assertThat(h.read("alice")).isEqualTo(h.read("hub"));
            assertThat(h.read("bob")).isEqualTo(h.read("hub"));
            assertThat(h.open("alice").conflicts()).hasSize(1);
        }
    }

    @Test
    void resolveToWinnerCommitsTheResolveAsMeldtownMergeAnnouncesItAndEveryReplicaConverges() throws Exception {
        try (Hub h = hub(MergeFlowTest.RESOLVE)) {
            JsonNode result = concurrentTitles(h, new MemoryStorage(), new MemoryStorage()).data();
            assertThat(result.get("conflicts").asInt()).isEqualTo(1);
            assertThat(MergeFlowTest.texts(result.get("conflictObjects"))).containsExactly(Replica.ROOT_ID);
            assertThat(result.get("resolved").asBoolean()).isTrue();
            List<String> anchors = MergeFlowTest.texts(result.get("anchors"));
            assertThat(anchors).hasSize(1);

            Replica hubReplica = h.open("hub");
            assertThat(hubReplica.conflicts()).isEmpty();
            assertThat(hubReplica.anchors()).isEqualTo(anchors);
            LogEntry resolve = hubReplica.log().get(0);
            assertThat(resolve.info().path("author").asText()).isEqualTo("meldtown-merge");
            String title = CanonicalJson.parse(h.read("hub")).get("title").asText();
            assertThat(title).isIn("by alice", "by bob");

            List<EventsProbe.Seen> announced = EventsProbe.await(bootstrap, Topics.BLOCKS,
                    s -> s.data() != null && anchors.get(0).equals(s.data().path("block").asText()), 1, MergeFlowTest.WAIT);
            assertThat(announced).hasSize(1);
            assertThat(announced.get(0).event().getSource().toString()).isEqualTo("/meldtown/merge");
            assertThat(announced.get(0).data().get("replica").asText()).isEqualTo("hub");
            assertThat(announced.get(0).key()).isEqualTo("acme/" + h.doc);

            // the service consumes its own announcement and carries the resolve to every replica
            completed(h, "block:hub:" + anchors.get(0), 3);
            for (String r : List.of("alice", "bob")) {
                Replica replica = h.open(r);
                assertThat(replica.conflicts()).as(r).isEmpty();
                assertThat(replica.anchors()).as(r).isEqualTo(anchors);
                assertThat(h.read(r)).isEqualTo(h.read("hub"));
            }
        }
    }

    @Test
    void poisonEventsAreDeadLetteredWithAReasonAndDoNotBlockTheirPartition() throws Exception {
        try (Hub h = hub(MergeFlowTest.KEEP)) {
            MemoryStorage alice = Hub.commit(new MemoryStorage(), "{\"title\":\"after the poison\"}", "alice");
            h.push(alice, "alice");
            String missing = "0".repeat(64);
            // all on the document's key, hence on one partition, before a good event
            h.send(Topics.BLOCKS, "{not json".getBytes(StandardCharsets.UTF_8));
            // keyed for this document, about another one: dead-lettered for its key (issue 10 item 6), nothing done for "nowhere"
            h.send(Topics.BLOCKS, EventCodec.encode(EventType.BLOCK_COMMITTED, "nowhere",
                    new Payloads.BlockCommitted("acme", "nowhere", "alice", missing, List.of(), List.of(), 10)));
            // an unknown document, keyed by its own scope
            String nowhere = "nowhere-" + java.util.UUID.randomUUID().toString().substring(0, 8);
            h.sendKeyed(Topics.BLOCKS, "acme/" + nowhere, EventCodec.encode(EventType.BLOCK_COMMITTED, nowhere,
                    new Payloads.BlockCommitted("acme", nowhere, "alice", missing, List.of(), List.of(), 10)));
            h.send(Topics.BLOCKS, EventCodec.encode(EventType.BLOCK_COMMITTED, h.doc,
                    new Payloads.BlockCommitted("acme", h.doc, "alice", missing, List.of(), List.of(), 10)));
            String requestId = h.requestMerge("ghost", "hub");
            h.announce(alice, "alice");

            assertThat(completed(h, "block:alice:" + Hub.tip(alice), 2)).hasSize(2);
            List<EventsProbe.Seen> dead = EventsProbe.await(bootstrap, Topics.MERGES_DLQ,
                    s -> ("acme/" + h.doc).equals(s.key()), 4, MergeFlowTest.WAIT);
            assertThat(dead).extracting(s -> s.headers().get(MergeConsumer.DLQ_CATEGORY))
                    .containsExactlyInAnyOrder("invalid-event", "key-mismatch", "missing-objects", "unknown-replica");
            // in order within a partition; the merge request is on the other topic, so it may come anywhere
            assertThat(dead).filteredOn(s -> Topics.BLOCKS.equals(s.headers().get("meldtown-dlq-topic")))
                    .extracting(s -> s.headers().get(MergeConsumer.DLQ_CATEGORY))
                    .containsExactly("invalid-event", "key-mismatch", "missing-objects");
            assertThat(EventsProbe.await(bootstrap, Topics.MERGES_DLQ, s -> ("acme/" + nowhere).equals(s.key()), 1, MergeFlowTest.WAIT))
                    .extracting(s -> s.headers().get(MergeConsumer.DLQ_CATEGORY)).containsExactly("unknown-doc");
            assertThat(dead).allSatisfy(s -> {
                assertThat(s.headers().get(MergeConsumer.DLQ_REASON)).isNotBlank();
                assertThat(s.headers()).containsKeys("meldtown-dlq-topic", "meldtown-dlq-partition", "meldtown-dlq-offset");
            });
            assertThat(dead).filteredOn(s -> "invalid-event".equals(s.headers().get(MergeConsumer.DLQ_CATEGORY)))
                    .singleElement().satisfies(s -> assertThat(new String(s.value(), StandardCharsets.UTF_8)).isEqualTo("{not json"));
            assertThat(dead).filteredOn(s -> "missing-objects".equals(s.headers().get(MergeConsumer.DLQ_CATEGORY)))
                    .singleElement().satisfies(s -> assertThat(s.headers().get(MergeConsumer.DLQ_REASON)).contains(missing));

            List<EventsProbe.Seen> failed = EventsProbe.await(bootstrap, Topics.MERGES,
                    s -> EventType.MERGE_FAILED.type().equals(s.type())
                            && List.of("acme/" + h.doc, "acme/" + nowhere).contains(s.key()), 3, MergeFlowTest.WAIT);
            assertThat(failed).extracting(s -> s.data().get("error").get("category").asText())
                    .containsExactlyInAnyOrder("unknown-doc", "missing-objects", "unknown-replica");
            assertThat(failed).filteredOn(s -> s.data().get("error").get("category").asText().equals("unknown-replica"))
                    .singleElement().satisfies(s -> assertThat(s.data().get("requestId").asText()).isEqualTo(requestId));
            failed.forEach(s -> assertThat(EventSchemas.validate(EventType.MERGE_FAILED, s.data())).isEmpty());
            assertThat(EventsProbe.await(bootstrap, Topics.MERGES, s -> EventType.MERGE_FAILED.type().equals(s.type())
                    && "nowhere".equals(s.data().path("doc").asText()), 1, java.time.Duration.ofSeconds(2))).isEmpty();
            assertThat(h.objectKeys("replicas/ghost/")).isEmpty();

            // metrics: lag, meld duration, copied bytes and outcomes on /q/metrics
            assertThat(MergeFlowTest.metric("meldtown_merge_consumer_lag")).isGreaterThanOrEqualTo(0);
            assertThat(MergeFlowTest.metric("meldtown_merge_meld_duration_seconds_count")).isGreaterThan(0);
            assertThat(MergeFlowTest.metric("meldtown_merge_copied_bytes_total")).isGreaterThan(0);
            assertThat(MergeFlowTest.metric("meldtown_merge_events_total{outcome=\"dead-lettered\"}")).isGreaterThanOrEqualTo(4);
        }
    }

    /**
     * A delta changed in the bucket past block-store (which checks every hash) after its block was announced: the
     * event is poison (merge.failed and the dead-letter topic, category corrupt-block), not a merge.completed that
     * says the block was melded; the hub does not apply it, and the next block on the partition is melded.
     */
    @Test
    void aBlockWhoseDeltaWasTamperedWithInTheBucketIsDeadLetteredNotReportedMelded() throws Exception {
        try (Hub h = hub(MergeFlowTest.KEEP)) {
            MemoryStorage mallory = Hub.commit(new MemoryStorage(), "{\"title\":\"honest\"}", "mallory");
            String block = Hub.tip(mallory);
            byte[] announced = h.blockCommitted(mallory, "mallory", block); // as block-store announced the honest bytes
            String honest = new String(mallory.read(block + ".delta"), StandardCharsets.UTF_8);
            String forged = honest.replace("mallory", "someone");
            assertThat(forged).isNotEqualTo(honest);
            MemoryStorage tampered = new MemoryStorage();
            for (String suffix : List.of(".pack", ".index")) {
                for (String k : mallory.list(suffix)) {
                    tampered.write(k + suffix, mallory.read(k + suffix));
                }
            }
            tampered.write(block + ".delta", forged.getBytes(StandardCharsets.UTF_8));
            h.push(tampered, "mallory");
            h.send(Topics.BLOCKS, announced);
            MemoryStorage alice = Hub.commit(new MemoryStorage(), "{\"title\":\"after the forgery\"}", "alice");
            h.push(alice, "alice");
            h.announce(alice, "alice"); // the same document's key: the same partition, after the forged block

            List<EventsProbe.Seen> dead = EventsProbe.await(bootstrap, Topics.MERGES_DLQ, s -> ("acme/" + h.doc).equals(s.key()), 1, MergeFlowTest.WAIT);
            assertThat(dead).singleElement().satisfies(s -> {
                assertThat(s.headers().get(MergeConsumer.DLQ_CATEGORY)).isEqualTo("corrupt-block");
                assertThat(s.headers().get(MergeConsumer.DLQ_REASON)).contains(block + ".delta").contains("mallory");
            });
            List<EventsProbe.Seen> failed = EventsProbe.await(bootstrap, Topics.MERGES, s -> EventType.MERGE_FAILED.type().equals(s.type())
                    && h.doc.equals(s.data().path("doc").asText()), 1, MergeFlowTest.WAIT);
            assertThat(failed).singleElement().satisfies(s -> {
                assertThat(s.data().get("error").get("category").asText()).isEqualTo("corrupt-block");
                assertThat(s.data().get("source").asText()).isEqualTo("mallory");
                assertThat(EventSchemas.validate(EventType.MERGE_FAILED, s.data())).isEmpty();
            });
            assertThat(completed(h, "block:alice:" + Hub.tip(alice), 1)).isNotEmpty(); // after the forged block's outcome
            assertThat(EventsProbe.await(bootstrap, Topics.MERGES, s -> EventType.MERGE_COMPLETED.type().equals(s.type())
                    && ("block:mallory:" + block).equals(s.data().path("requestId").asText()), 1, java.time.Duration.ofSeconds(2)))
                    .as("nothing says the forged block was melded").isEmpty();
            Replica hubReplica = h.open("hub");
            assertThat(hubReplica.appliedBlocks()).doesNotContain(block).contains(Hub.tip(alice));
            assertThat(h.read("hub")).contains("after the forgery").doesNotContain("honest");
        }
    }

    @Test
    void aRecordWhoseKeyIsNotThePayloadsScopeIsDeadLetteredAndNothingIsDoneForThePayloadsTenant() throws Exception {
        try (Hub beta = new Hub(s3, s3Config.bucket(), bootstrap, "beta", MergeFlowTest.KEEP)) {
            MemoryStorage alice = Hub.commit(new MemoryStorage(), "{\"title\":\"beta's own\"}", "alice");
            beta.push(alice, "alice");
            // keyed for acme's document of the same name, payloads about beta's
            String key = "acme/" + beta.doc;
            String requestId = java.util.UUID.randomUUID().toString();
            beta.sendKeyed(Topics.MERGES, key, EventCodec.encode(EventType.MERGE_REQUESTED, beta.doc,
                    new Payloads.MergeRequested("beta", beta.doc, "alice", "hub", requestId)));
            beta.sendKeyed(Topics.BLOCKS, key, beta.blockCommitted(alice, "alice", Hub.tip(alice)));

            List<EventsProbe.Seen> dead = EventsProbe.await(bootstrap, Topics.MERGES_DLQ, s -> key.equals(s.key()), 2, MergeFlowTest.WAIT);
            assertThat(dead).extracting(s -> s.headers().get(MergeConsumer.DLQ_CATEGORY)).containsExactly("key-mismatch", "key-mismatch");
            assertThat(dead).allSatisfy(s -> assertThat(s.headers().get(MergeConsumer.DLQ_REASON)).contains("beta/" + beta.doc).contains(key));
            // nothing was processed for beta: no result, no event, no hub replica
            assertThat(EventsProbe.await(bootstrap, Topics.MERGES, s -> List.of(EventType.MERGE_COMPLETED.type(), EventType.MERGE_FAILED.type())
                    .contains(s.type()) && beta.doc.equals(s.data().path("doc").asText()), 1, java.time.Duration.ofSeconds(3))).isEmpty();
            assertThat(beta.objectKeys("replicas/hub/")).isEmpty();
            assertThat(beta.objectKeys("merges/")).isEmpty();

            // the same announcement keyed by its scope is melded into the hub (then fanned out: more merge.completed follow)
            beta.announce(alice, "alice");
            assertThat(EventsProbe.await(bootstrap, Topics.MERGES, s -> EventType.MERGE_COMPLETED.type().equals(s.type())
                    && beta.doc.equals(s.data().path("doc").asText()) && "beta".equals(s.data().path("tenant").asText())
                    && "alice".equals(s.data().path("source").asText()) && "hub".equals(s.data().path("target").asText()), 1, MergeFlowTest.WAIT))
                    .isNotEmpty();
            assertThat(beta.objectKeys("replicas/hub/")).isNotEmpty();
        }
    }

    @Test
    void serverSideCopiesNeverOverwrite() {
        // the copies a meld makes, between two replicas' stored files (ReplicaStorage.copy on S3)
        String doc = "copy-" + java.util.UUID.randomUUID().toString().substring(0, 8);
        var from = bucket.files(dev.meldtown.model.ReplicaRef.of("acme", doc, "a"));
        var to = bucket.files(dev.meldtown.model.ReplicaRef.of("acme", doc, "b"));
        String key = "ab" + "0".repeat(62) + ".index";
        from.write(key, "new".getBytes(StandardCharsets.UTF_8));
        assertThat(to.copy(from, key)).isTrue();
        assertThat(new String(bucket.getOrNull(to.objectKey(key)), StandardCharsets.UTF_8)).isEqualTo("new");
        s3.putObject(b -> b.bucket(s3Config.bucket()).key(to.objectKey(key)), RequestBody.fromString("old"));
        assertThat(to.copy(from, key)).isFalse();
        assertThat(new String(bucket.getOrNull(to.objectKey(key)), StandardCharsets.UTF_8)).isEqualTo("old");
    }
}
