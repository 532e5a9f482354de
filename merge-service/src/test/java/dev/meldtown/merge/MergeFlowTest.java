package dev.meldtown.merge;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.meldtown.crdt.CanonicalJson;
import dev.meldtown.crdt.Checkpoint;
import dev.meldtown.crdt.MemoryStorage;
import dev.meldtown.crdt.Replica;
import dev.meldtown.events.EventSchemas;
import dev.meldtown.events.EventType;
import dev.meldtown.events.Topics;
import dev.meldtown.model.DocRef;
import dev.meldtown.model.ReplicaRef;
import dev.meldtown.service.BlockLog;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;

/** The service against a real broker and a real S3 server: block-store's part is played by {@link Hub}. */
@QuarkusTest
@TestProfile(MergeFlowTest.LongTombstoneCache.class)
@QuarkusTestResource(value = KafkaTestResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = S3TestResource.class, restrictToAnnotatedClass = true)
class MergeFlowTest {
    /**
     * A tenant's tombstones (issue 14) are listed once per {@code meldtown.deletions.cache} (2 s by default), not per
     * event: here the warm-up meld lists them, so the counted meld shows what a meld itself costs.
     */
    public static class LongTombstoneCache implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            // the block log's repair runs right after a load here, before a counted window opens
            return Map.of("meldtown.deletions.cache", "PT1H");
        }
    }

    static final Duration WAIT = Duration.ofSeconds(60);
    static final String KEEP = "{\"compression\":\"none\",\"conflictPolicy\":\"keep\"}";
    static final String RESOLVE = "{\"compression\":\"none\",\"conflictPolicy\":\"resolve-to-winner\"}";
    static final String FLATE = "{\"compression\":\"flate\",\"conflictPolicy\":\"keep\"}";

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    @Inject
    S3Client s3;

    @Inject
    S3Config s3Config;

    Hub hub(String settings) {
        return new Hub(s3, s3Config.bucket(), bootstrap, "acme", settings);
    }

    List<EventsProbe.Seen> completed(Hub h, String requestId, int count) throws Exception {
        return EventsProbe.await(bootstrap, Topics.MERGES, s -> EventType.MERGE_COMPLETED.type().equals(s.type())
                && h.doc.equals(s.data().path("doc").asText()) && requestId.equals(s.data().path("requestId").asText()), count, WAIT);
    }

    static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    @Test
    void mergeRequestedMeldsSourceIntoTargetWithServerSideCopiesPacksFirst() throws Exception {
        try (Hub h = hub(KEEP)) {
            MemoryStorage alice = Hub.commit(new MemoryStorage(), "{\"title\":\"Buy milk\",\"items\u266D\":[{\"_id\":\"a\",\"n\":1}]}", "alice");
            Hub.commit(alice, "{\"title\":\"Buy milk\",\"items\u266D\":[{\"_id\":\"a\",\"n\":2},{\"_id\":\"b\"}]}", "alice");
            h.push(alice, "alice");
            String requestId = h.requestMerge("alice", "target");

            List<EventsProbe.Seen> seen = completed(h, requestId, 1);
            assertThat(seen).hasSize(1);
            JsonNode data = seen.get(0).data();
            assertThat(EventSchemas.validate(EventType.MERGE_COMPLETED, data)).isEmpty();
            assertThat(seen.get(0).key()).isEqualTo("acme/" + h.doc);
            assertThat(seen.get(0).event().getSource().toString()).isEqualTo("/meldtown/merge");
            List<String> copied = texts(data.get("copied"));
            assertThat(copied).containsExactlyInAnyOrderElementsOf(alice.list("").stream().toList());
            int lastPack = -1;
            int firstDelta = Integer.MAX_VALUE;
            for (int i = 0; i < copied.size(); i++) {
                if (copied.get(i).endsWith(".delta")) {
                    firstDelta = Math.min(firstDelta, i);
                } else {
                    lastPack = i;
                }
            }
            assertThat(lastPack).isLessThan(firstDelta);
            assertThat(texts(data.get("anchors"))).isEqualTo(Replica.open(alice).anchors());
            assertThat(data.get("conflicts").asInt()).isZero();
            assertThat(data.get("resolved").asBoolean()).isFalse();
            assertThat(h.read("target")).isEqualTo(CanonicalJson.write(Replica.open(alice).read()));
            for (String key : alice.list("")) {
                assertThat(h.object(BucketLayout.file(ReplicaRef.of("acme", h.doc, "target"), key, false))).isEqualTo(alice.read(key));
            }
        }
    }

    @Test
    void blockCommittedConvergesThreeReplicasThroughTheHubAndCheckpointsIt() throws Exception {
        try (Hub h = hub(KEEP)) {
            MemoryStorage alice = Hub.commit(new MemoryStorage(), "{\"title\":\"groceries\",\"items\u266D\":[{\"_id\":\"a\"}]}", "alice");
            h.push(alice, "alice");
            h.announce(alice, "alice");
            String first = "block:alice:" + Hub.tip(alice);
            // into the hub, then out of it to every other replica (alice too: it may lack what the hub has)
            assertThat(completed(h, first, 2)).extracting(s -> s.data().get("target").asText()).containsExactly("hub", "alice");

            MemoryStorage bob = new MemoryStorage();
            Replica.copyMissing(h.storage("alice"), bob);
            Hub.commit(bob, "{\"title\":\"groceries\",\"items\u266D\":[{\"_id\":\"a\"},{\"_id\":\"b\",\"by\":\"bob\"}]}", "bob");
            MemoryStorage carol = new MemoryStorage();
            Replica.copyMissing(alice, carol);
            Hub.commit(carol, "{\"title\":\"groceries\",\"items\u266D\":[{\"_id\":\"c\",\"by\":\"carol\"},{\"_id\":\"a\"}]}", "carol");
            h.push(bob, "bob");
            h.push(carol, "carol");
            h.announce(bob, "bob");
            h.announce(carol, "carol");
            // each block: one meld into the hub, then one out of it per other replica
            assertThat(completed(h, "block:bob:" + Hub.tip(bob), 4)).hasSize(4);
            List<EventsProbe.Seen> last = completed(h, "block:carol:" + Hub.tip(carol), 4);
            assertThat(last).extracting(s -> s.data().get("target").asText()).containsExactly("hub", "alice", "bob", "carol");
            last.forEach(s -> assertThat(EventSchemas.validate(EventType.MERGE_COMPLETED, s.data())).isEmpty());

            String hubDoc = h.read("hub");
            assertThat(hubDoc).contains("\"b\"").contains("\"c\"");
            assertThat(h.read("alice")).isEqualTo(hubDoc);
            assertThat(h.read("bob")).isEqualTo(hubDoc);
            assertThat(h.read("carol")).isEqualTo(hubDoc);
            List<String> anchors = h.open("hub").anchors();
            assertThat(h.open("alice").anchors()).isEqualTo(anchors);
            assertThat(texts(last.get(0).data().get("anchors"))).isEqualTo(anchors);

            // the hub's read checkpoint is named by its anchors and reads as a full replay does
            byte[] pointer = h.object(BucketLayout.latestCheckpoint(ReplicaRef.of("acme", h.doc, "hub")));
            String name = CanonicalJson.parse(pointer).get("name").asText();
            assertThat(name).isEqualTo(Checkpoint.nameOf(anchors));
            Checkpoint cp = Checkpoint.parse(h.object(BucketLayout.checkpoint(ReplicaRef.of("acme", h.doc, "hub"), name)));
            assertThat(cp.anchors()).isEqualTo(anchors);
            assertThat(CanonicalJson.write(cp.document())).isEqualTo(hubDoc);
            assertThat(cp.position()).isNotNull();
            assertThat(h.objectKeys("checkpoints/")).allMatch(k -> !k.contains("/replicas/"));
            // every replica melded into has its own, and every block is in each replica's block log
            for (String r : List.of("alice", "bob", "carol")) {
                ReplicaRef ref = ReplicaRef.of("acme", h.doc, r);
                byte[] own = h.object(BucketLayout.latestCheckpoint(ref));
                assertThat(own).isNotNull();
                // fanned out into without being loaded (they hold only the hub's blocks): their checkpoints are the
                // hub's state, and read as a replay of their own files does
                Checkpoint mine = Checkpoint.parse(h.object(BucketLayout.checkpoint(ref, CanonicalJson.parse(own).get("name").asText())));
                assertThat(CanonicalJson.write(mine.document())).isEqualTo(h.read(r));
                assertThat(mine.anchors()).isEqualTo(h.open(r).anchors());
            }
            assertThat(h.objectKeys("blocklog/hub/")).hasSizeGreaterThanOrEqualTo(3);
        }
    }

    @Test
    void flateDocumentsCopyTheFlateObjectsAsTheyAre() throws Exception {
        try (Hub h = hub(FLATE)) {
            MemoryStorage alice = Hub.commit(new MemoryStorage(), "{\"title\":\"compressed\"}", "alice");
            h.push(alice, "alice");
            h.push(Hub.commit(new MemoryStorage(), "{\"other\":true}", "bob"), "bob");
            h.announce(alice, "alice");
            assertThat(completed(h, "block:alice:" + Hub.tip(alice), 3)).hasSize(3);
            for (String key : alice.list("")) {
                byte[] stored = h.object(BucketLayout.file(ReplicaRef.of("acme", h.doc, "alice"), key, true));
                assertThat(h.object(BucketLayout.file(ReplicaRef.of("acme", h.doc, "hub"), key, true))).isEqualTo(stored);
                assertThat(h.object(BucketLayout.file(ReplicaRef.of("acme", h.doc, "bob"), key, true))).isEqualTo(stored);
            }
            assertThat(h.objectKeys("replicas/hub/")).isNotEmpty().allMatch(k -> k.endsWith(".flate"));
            // bob's own root and alice's are concurrent creations: both are there, in conflict
            Replica bob = h.open("bob");
            assertThat(bob.appliedBlocks()).contains(Hub.tip(alice)).hasSize(2);
            assertThat(bob.conflicts()).hasSize(1);
        }
    }

    @Test
    void aRedeliveredEventCopiesNothingAndEmitsTheSameResult() throws Exception {
        try (Hub h = hub(KEEP)) {
            MemoryStorage alice = Hub.commit(new MemoryStorage(), "{\"title\":\"once\"}", "alice");
            h.push(alice, "alice");
            h.push(Hub.commit(new MemoryStorage(), "{\"x\":1}", "bob"), "bob");
            byte[] event = h.blockCommitted(alice, "alice", Hub.tip(alice));
            h.send(Topics.BLOCKS, event);
            String requestId = "block:alice:" + Hub.tip(alice);
            List<EventsProbe.Seen> first = completed(h, requestId, 3);
            assertThat(first).extracting(s -> s.data().get("target").asText()).containsExactly("hub", "alice", "bob");
            Map<String, String> before = lastModified(h);
            double copiedBytes = metric("meldtown_merge_copied_bytes_total");

            h.send(Topics.BLOCKS, event);
            List<EventsProbe.Seen> all = completed(h, requestId, 6);
            assertThat(all).hasSize(6);
            List<String> firstData = all.subList(0, 3).stream().map(s -> CanonicalJson.write(s.data())).toList();
            List<String> againData = all.subList(3, 6).stream().map(s -> CanonicalJson.write(s.data())).toList();
            assertThat(againData).isEqualTo(firstData);
            assertThat(all.get(3).event().getId()).isNotEqualTo(all.get(0).event().getId());
            assertThat(lastModified(h)).isEqualTo(before);
            assertThat(metric("meldtown_merge_copied_bytes_total")).isEqualTo(copiedBytes);
        }
    }

    /**
     * A replica holding a block the hub has not applied (stored, not announced yet) is not fanned out into blind: it
     * is loaded, and its result names its own anchors, the unannounced block among them.
     */
    @Test
    void aReplicaHoldingABlockTheHubLacksIsLoadedForTheFanOut() throws Exception {
        try (Hub h = hub(KEEP)) {
            MemoryStorage w = Hub.commit(new MemoryStorage(), "{\"title\":\"one\"}", "w");
            String first = Hub.tip(w);
            MemoryStorage early = new MemoryStorage();
            Replica.copyMissing(w, early);
            Hub.commit(w, "{\"title\":\"two\"}", "w");
            String second = Hub.tip(w);
            h.push(w, "w"); // both stored in w; only the first is announced
            h.announce(early, "w");
            List<EventsProbe.Seen> done = completed(h, "block:w:" + first, 2);
            assertThat(texts(done.get(0).data().get("anchors"))).as("the hub").containsExactly(first);
            assertThat(texts(done.get(1).data().get("anchors"))).as("w, loaded").containsExactly(second);
            assertThat(h.read("hub")).contains("one");
            assertThat(h.read("w")).contains("two");
        }
    }

    /**
     * A meld killed between copying a block into a replica and logging it (issue 11's stale read state) leaves a
     * stored block that no block-log entry names, and a read state that catches up through the log would never apply
     * it. The next load of that replica, a full replay, logs it, parents first, and only what the log misses.
     */
    @Test
    void aBlockStoredWithoutALogEntryIsLoggedByTheNextLoadOfItsReplica() throws Exception {
        try (Hub h = hub(KEEP)) {
            MemoryStorage alice = Hub.commit(new MemoryStorage(), "{\"title\":\"kept\",\"by\":\"alice\"}", "alice");
            h.push(alice, "alice");
            h.announce(alice, "alice");
            completed(h, "block:alice:" + Hub.tip(alice), 2);
            String a1 = Hub.tip(alice);

            // what a meld into bob leaves when it dies after the copy: a1 stored in bob, no log entry for it
            Replica.copyMissing(h.storage("hub"), h.storage("bob"));
            MemoryStorage bob = new MemoryStorage();
            Replica.copyMissing(h.storage("bob"), bob);
            Hub.commit(bob, "{\"title\":\"kept\",\"by\":\"bob\"}", "bob");
            String b1 = Hub.tip(bob);
            assertThat(h.push(bob, "bob")).filteredOn(k -> k.endsWith(".delta")).as("b1, logged as block-store logs an upload; a1 was there").containsExactly(b1 + ".delta");
            ReplicaRef bobRef = ReplicaRef.of(h.tenant, h.doc, "bob");
            BlockLog log = new BlockLog(s3, s3Config.bucket());
            double before = metric("meldtown_merge_unlogged_blocks_total");

            h.announce(bob, "bob");
            completed(h, "block:bob:" + b1, 3); // into the hub, then out to alice and bob: bob is loaded

            // logged off the consumer thread, right after the load
            long until = System.nanoTime() + WAIT.toNanos();
            while ((log.since(bobRef, null).size() < 2 || metric("meldtown_merge_unlogged_blocks_total") == before) && System.nanoTime() < until) {
                Thread.sleep(100);
            }
            assertThat(log.since(bobRef, null)).extracting(BlockLog.Entry::block).containsExactly(b1, a1);
            assertThat(metric("meldtown_merge_unlogged_blocks_total") - before).isEqualTo(1.0);
            assertThat(h.read("bob")).isEqualTo(h.read("hub")).contains("\"bob\"");
        }
    }

    /**
     * A block whose parent the hub lacks (the parent reached the writer's replica without an event, say straight
     * into the bucket) makes the meld fall back to a full listing reconciliation: the parent, its pack and the
     * block all reach the hub, packs first, and every replica reads the same.
     */
    @Test
    void aBlockWhoseParentTheHubLacksFallsBackToAFullReconciliation() throws Exception {
        try (Hub h = hub(KEEP)) {
            MemoryStorage w = Hub.commit(new MemoryStorage(), "{\"title\":\"first\",\"items\u266D\":[{\"_id\":\"a\"}]}", "w");
            String parent = Hub.tip(w);
            Hub.commit(w, "{\"title\":\"second\",\"items\u266D\":[{\"_id\":\"a\"},{\"_id\":\"b\"}]}", "w");
            String block = Hub.tip(w);
            h.push(w, "w"); // both blocks are in w; only the second is announced
            h.announce(w, "w");

            List<EventsProbe.Seen> done = completed(h, "block:w:" + block, 2);
            JsonNode intoHub = done.get(0).data();
            assertThat(intoHub.get("target").asText()).isEqualTo("hub");
            List<String> copied = texts(intoHub.get("copied"));
            assertThat(copied).containsExactlyInAnyOrderElementsOf(w.list(""));
            assertThat(copied).contains(parent + ".delta", block + ".delta");
            int firstDelta = copied.indexOf(copied.stream().filter(k -> k.endsWith(".delta")).findFirst().orElseThrow());
            assertThat(copied.subList(firstDelta, copied.size())).as("packs before deltas").allMatch(k -> k.endsWith(".delta"));
            assertThat(texts(intoHub.get("anchors"))).containsExactly(block);
            assertThat(h.read("hub")).isEqualTo(CanonicalJson.write(Replica.open(w).read())).contains("second");
            assertThat(h.read("w")).isEqualTo(h.read("hub"));
        }
    }

    /**
     * The history scaling of issue 6: melding one announced block into a hub makes the same S3 requests whether
     * the document has 3 blocks of history or 60, and lists nothing but the document's replica names (the cached hub
     * and writer replicas are refreshed with the named blocks, not by listing them; a read checkpoint due reads the
     * block log's entries since the last one, GET by GET).
     */
    @Test
    void aMeldOfOneNewBlockMakesTheSameS3RequestsWhateverTheHistory() throws Exception {
        Map<String, Long> small = requestsForOneNewBlock(3);
        Map<String, Long> large = requestsForOneNewBlock(60);
        assertThat(small.get("ListObjectsV2")).as("listings: the replica names").isEqualTo(1);
        assertThat(large.get("ListObjectsV2")).isEqualTo(1);
        System.out.println("S3 requests for one announced block, two replicas: 3 blocks of history " + small + ", 60 blocks " + large);
        // a read checkpoint due also reads its replica's block log since the last one: the entry of the one block
        // logged since (this meld's) and the GET that finds nothing after it; the interval between checkpoints grows
        // with the history (10% of it), so 3 blocks have one due for each replica and 60 none
        assertThat(large.get("GetObject") - 2 * large.get("checkpoints")).isEqualTo(small.get("GetObject") - 2 * small.get("checkpoints"))
                .isPositive();
        assertThat(large.get("PutObject")).isPositive(); // the block and its pack into the hub (and a checkpoint when one is due)
        // no existence probes: a HEAD follows only a write the SDK retried (a busy S3), to tell its own first attempt
        assertThat(large.getOrDefault("HeadObject", 0L) + small.getOrDefault("HeadObject", 0L)).as("no existence probes")
                .isLessThanOrEqualTo(large.getOrDefault("retried PutObject", 0L) + small.getOrDefault("retried PutObject", 0L));
        assertThat(large.getOrDefault("CopyObject", 0L)).isZero();
    }

    @Inject
    Replicas replicas;

    /**
     * A load remembers where the replica's block log stood, under the key its checkpoints look up: the first checkpoint
     * after it reads only what was logged since (one GET that finds nothing), not the whole log again (it read all 12
     * entries, when the load's cursor was filed under another key). The document's eviction (a deleted document or
     * replica) forgets the loaded replica, which the next use loads again.
     */
    @Test
    void aLoadedReplicasFirstCheckpointReadsOnlyTheLogSinceTheLoadAndEvictionForgetsIt() throws Exception {
        try (Hub h = hub(KEEP)) {
            MemoryStorage w = new MemoryStorage();
            for (int i = 0; i < 12; i++) {
                Hub.commit(w, "{\"title\":\"log\",\"n\":" + i + "}", "w");
            }
            h.push(w, "w"); // 12 deltas, 12 block-log entries
            ReplicaRef ref = ReplicaRef.of(h.tenant, h.doc, "w");
            scheduler.pause(ResolveAnnouncer.SWEEP_JOB);
            try {
                Replica loaded = replicas.with(ref, false, r -> r);
                assertThat(loaded.appliedBlocks()).hasSize(12);
                Map<String, Long> before = quietS3Requests();
                assertThat(replicas.checkpoint(h.tenant, h.doc, "w", loaded)).isNotNull();
                Map<String, Long> after = s3Requests();
                assertThat(after.getOrDefault("GetObject", 0L) - before.getOrDefault("GetObject", 0L))
                        .as("block-log entries read by the checkpoint").isEqualTo(1);

                Replica cached = replicas.with(ref, false, r -> r);
                assertThat(cached).as("cached").isSameAs(loaded);
                replicas.evict(h.tenant, h.doc);
                Replica reloaded = replicas.with(ref, false, r -> r);
                assertThat(reloaded).as("loaded again after the eviction").isNotSameAs(loaded);
            } finally {
                scheduler.resume(ResolveAnnouncer.SWEEP_JOB);
            }
        }
    }

    /** S3 requests by operation for the meld of one block into a document with {@code history} earlier blocks (warm). */
    private Map<String, Long> requestsForOneNewBlock(int history) throws Exception {
        try (Hub h = hub(KEEP)) {
            MemoryStorage w = new MemoryStorage();
            for (int i = 0; i < history; i++) {
                Hub.commit(w, "{\"title\":\"history\",\"n\":" + i + "}", "w");
            }
            h.push(w, "w");
            h.push(w, "hub");
            h.announce(w, "w"); // loads (and caches) the hub and w
            assertThat(completed(h, "block:w:" + Hub.tip(w), 2)).hasSize(2);

            Hub.commit(w, "{\"title\":\"history\",\"n\":" + history + "}", "w");
            h.push(w, "w");
            // the resolve outbox's sweep lists its prefix every few seconds: keep it out of the window
            scheduler.pause(ResolveAnnouncer.SWEEP_JOB);
            Map<String, Long> delta;
            try {
                Map<String, Long> before = quietS3Requests(); // nothing else (an earlier test's stragglers) in the window
                long checkpoints = (long) registry.counter("meldtown.merge.checkpoints.written").count();
                h.announce(w, "w");
                List<EventsProbe.Seen> done = completed(h, "block:w:" + Hub.tip(w), 2);
                assertThat(done).extracting(e -> e.data().get("copied").size()).containsExactly(2, 0); // pack and delta into the hub
                delta = new java.util.TreeMap<>(s3Requests());
                delta.replaceAll((op, n) -> n - before.getOrDefault(op, 0L));
                delta.put("checkpoints", (long) registry.counter("meldtown.merge.checkpoints.written").count() - checkpoints);
            } finally {
                scheduler.resume(ResolveAnnouncer.SWEEP_JOB);
            }
            assertThat(h.read("hub")).isEqualTo(CanonicalJson.write(Replica.open(w).read()));
            return delta;
        }
    }

    @Inject
    io.micrometer.core.instrument.MeterRegistry registry;

    @Inject
    io.quarkus.scheduler.Scheduler scheduler;

    /** The counts once they have not moved for a second. */
    private Map<String, Long> quietS3Requests() throws InterruptedException {
        Map<String, Long> last = s3Requests();
        for (int i = 0; i < 60; i++) {
            Thread.sleep(1000);
            Map<String, Long> now = s3Requests();
            if (now.equals(last)) {
                return now;
            }
            last = now;
        }
        return last;
    }

    private Map<String, Long> s3Requests() {
        Map<String, Long> out = new java.util.TreeMap<>();
        registry.find("meldtown.s3.operations").timers()
                .forEach(t -> out.merge(t.getId().getTag("operation"), t.count(), Long::sum));
        registry.find("meldtown.s3.retries").counters()
                .forEach(c -> out.merge("retried " + c.getId().getTag("operation"), (long) c.count(), Long::sum));
        return out;
    }

    private static Map<String, String> lastModified(Hub h) {
        Map<String, String> out = new java.util.TreeMap<>();
        h.s3.listObjectsV2Paginator(b -> b.bucket(h.bucket).prefix(BucketLayout.replicas(DocRef.of(h.tenant, h.doc)))).contents()
                .forEach(o -> out.put(o.key(), o.eTag() + "@" + o.lastModified()));
        return out;
    }

    static double metric(String name) {
        String body = given().get("/q/metrics").then().statusCode(200).extract().asString();
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "(\\{[^}]*\\})? ([0-9.eE+-]+)$").matcher(body);
        assertThat(m.find()).as("metric " + name + " in\n" + body).isTrue();
        return Double.parseDouble(m.group(2));
    }

    static Predicate<EventsProbe.Seen> ofDoc(Hub h) {
        return s -> s.data() != null && h.doc.equals(s.data().path("doc").asText());
    }
}
