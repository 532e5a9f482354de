package dev.meldtown.blockstore;

import static dev.meldtown.blockstore.Fixtures.as;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import dev.meldtown.crdt.MemoryStorage;
import dev.meldtown.events.EventSchemas;
import dev.meldtown.events.EventType;
import dev.meldtown.events.Topics;
import dev.meldtown.service.S3Config;
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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Issue 14: deleting a replica, a document or a tenant answers 202 at once, refuses every later read or write of the
 * scope with 410 problem+json, removes every object of the scope from the real bucket (checked by listing it) in
 * batches, and announces the deletion on meldtown.blocks with schema-valid events keyed {@code tenant/doc}.
 */
@QuarkusTest
@TestProfile(DeletionTest.Quick.class)
@QuarkusTestResource(value = KafkaTestResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = S3TestResource.class, restrictToAnnotatedClass = true)
class DeletionTest {
    public static class Quick implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("meldtown.block-store.deletions.delay", "PT1S", "meldtown.block-store.deletions.every", "1s");
        }
    }

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    @Inject
    S3Client s3;

    @Inject
    S3Config s3Config;

    @Test
    void aDeletedReplicaIsGoneAtOnceItsObjectsAreRemovedAndItIsAnnounced() throws Exception {
        String doc = Fixtures.uniqueDoc();
        String base = "/v1/tenants/acme/docs/" + doc;
        MemoryStorage local = upload("acme", doc, "alice", "{\"title\":\"alice\"}");
        upload("acme", doc, "bob", "{\"title\":\"bob\"}");
        // what the merge-service and the outboxes keep of alice: read checkpoints and outbox entries
        put("tenants/acme/docs/" + doc + "/checkpoints/alice/c1.json", "{}");
        put("tenants/acme/docs/" + doc + "/checkpoints/alice/latest", "{}");
        put("outbox/acme/" + doc + "/alice/" + "a".repeat(64) + ".json", "{}");
        put("merge/outbox/acme/" + doc + "/alice/" + "b".repeat(64) + ".json", "{}");
        assertThat(keys("tenants/acme/docs/" + doc + "/replicas/alice/")).isNotEmpty();

        String cached = Fixtures.uploadOrder(local).get(0);
        as("acme", "reader").get(base + "/replicas/alice/files/" + cached).then().statusCode(200); // now in FileCache

        as("acme", "admin").delete(base + "/replicas/alice").then().statusCode(202)
                .body("scope", equalTo("replica")).body("replica", equalTo("alice")).body("state", equalTo("pending"));
        // at once, on the instance that accepted it: every read and write of alice is 410 problem+json
        as("acme", "reader").get(base + "/replicas/alice/document").then().statusCode(410)
                .contentType("application/problem+json").body("status", equalTo(410));
        as("acme", "reader").get(base + "/replicas/alice/log").then().statusCode(410);
        as("acme", "reader").get(base + "/replicas/alice/files").then().statusCode(410);
        as("acme", "reader").get(base + "/replicas/alice/files/" + cached).then().statusCode(410).contentType("application/problem+json");
        String key = Fixtures.uploadOrder(local).get(0);
        as("acme", "writer").contentType("application/octet-stream").body(local.read(key))
                .put(base + "/replicas/alice/files/" + key).then().statusCode(410).contentType("application/problem+json");
        as("acme", "writer").contentType("application/json").body("{\"document\":{\"a\":1}}")
                .post(base + "/replicas/alice/commits").then().statusCode(410);
        as("acme", "writer").contentType("application/json").body("{\"source\":\"alice\"}")
                .post(base + "/replicas/bob/meld").then().statusCode(410);
        // the document and its other replica live on; the deleted replica is no longer listed
        as("acme", "reader").get(base).then().statusCode(200).body("replicas", equalTo(List.of("bob")));
        as("acme", "reader").get(base + "/replicas/bob/document").then().statusCode(200).body("title", equalTo("bob"));

        var events = EventsProbe.await(bootstrap, Topics.BLOCKS,
                s -> EventType.REPLICA_DELETED.type().equals(s.type()) && doc.equals(s.data().path("doc").asText()), 1, Duration.ofSeconds(60));
        assertThat(events).hasSize(1);
        assertThat(events.get(0).key()).isEqualTo("acme/" + doc);
        assertThat(EventSchemas.validate(EventType.REPLICA_DELETED, events.get(0).data())).isEmpty();
        assertThat(events.get(0).data().get("replica").asText()).isEqualTo("alice");
        // once announced, every prefix of the replica is empty in the bucket, and the rest of the document is kept
        assertThat(keys("tenants/acme/docs/" + doc + "/replicas/alice/")).isEmpty();
        assertThat(keys("tenants/acme/docs/" + doc + "/checkpoints/alice/")).isEmpty();
        assertThat(keys("outbox/acme/" + doc + "/alice/")).isEmpty();
        assertThat(keys("merge/outbox/acme/" + doc + "/alice/")).isEmpty();
        assertThat(keys("tenants/acme/docs/" + doc + "/replicas/bob/")).isNotEmpty();
        awaitState(base + "/replicas/alice", "done");
        // a late write still gets 410, and the name is not re-created
        as("acme", "writer").contentType("application/octet-stream").body(local.read(key))
                .put(base + "/replicas/alice/files/" + key).then().statusCode(410);
        assertThat(keys("tenants/acme/docs/" + doc + "/replicas/alice/")).isEmpty();
    }

    @Test
    void aDeletedDocumentLosesSettingsReplicasCheckpointsAndMergeResultsInBatchesOfAtMostAThousand() throws Exception {
        String doc = Fixtures.uniqueDoc();
        String base = "/v1/tenants/acme/docs/" + doc;
        as("acme", "writer").contentType("application/json").body("{\"compression\":\"none\"}").put(base).then().statusCode(201);
        upload("acme", doc, "alice", "{\"title\":\"x\"}");
        put("tenants/acme/docs/" + doc + "/merges/" + "c".repeat(64) + ".json", "[]");
        put("tenants/acme/docs/" + doc + "/checkpoints/hub/latest", "{}");
        // more objects than one DeleteObjects request takes
        putMany("tenants/acme/docs/" + doc + "/replicas/bulk/", 2_100);
        String other = Fixtures.uniqueDoc();
        upload("acme", other, "alice", "{\"title\":\"kept\"}");

        as("acme", "admin").delete(base).then().statusCode(202).body("scope", equalTo("document")).body("doc", equalTo(doc));
        as("acme", "reader").get(base).then().statusCode(410).contentType("application/problem+json");
        as("acme", "writer").contentType("application/json").body("{\"compression\":\"none\"}").put(base).then().statusCode(410);
        as("acme", "reader").get(base + "/replicas/alice/document").then().statusCode(410);
        // a deleted document is no longer listed, another one is
        List<String> listed = as("acme", "reader").get("/v1/tenants/acme/docs").then().statusCode(200).extract().jsonPath().getList("docs");
        assertThat(listed).contains(other).doesNotContain(doc);
        // deleting it again answers its state; a replica in it is gone with it
        as("acme", "admin").delete(base).then().statusCode(202).body("scope", equalTo("document"));
        as("acme", "admin").delete(base + "/replicas/alice").then().statusCode(410);

        var events = EventsProbe.await(bootstrap, Topics.BLOCKS,
                s -> EventType.DOC_DELETED.type().equals(s.type()) && doc.equals(s.data().path("doc").asText()), 1, Duration.ofSeconds(90));
        assertThat(events).hasSize(1);
        assertThat(events.get(0).key()).isEqualTo("acme/" + doc);
        assertThat(events.get(0).data().get("scope").asText()).isEqualTo("document");
        assertThat(EventSchemas.validate(EventType.DOC_DELETED, events.get(0).data())).isEmpty();
        assertThat(keys("tenants/acme/docs/" + doc + "/")).isEmpty();
        assertThat(keys("outbox/acme/" + doc + "/")).isEmpty();
        awaitState(base, "done");
        as("acme", "reader").get("/v1/tenants/acme/docs/" + other + "/replicas/alice/document").then().statusCode(200).body("title", equalTo("kept"));
    }

    @Test
    void aDeletedTenantIsGoneEverywhereAndEachOfItsDocumentsIsAnnounced() throws Exception {
        String tenant = "t-" + Fixtures.uniqueDoc();
        String d1 = Fixtures.uniqueDoc();
        String d2 = Fixtures.uniqueDoc();
        upload(tenant, d1, "alice", "{\"n\":1}");
        upload(tenant, d2, "bob", "{\"n\":2}");
        String neighbour = tenant + "x"; // a tenant whose name starts with this one's keeps its data
        upload(neighbour, d1, "alice", "{\"n\":3}");

        // admin only, own tenant only
        given().delete("/v1/tenants/" + tenant).then().statusCode(401).contentType("application/problem+json");
        as(tenant, "writer").delete("/v1/tenants/" + tenant).then().statusCode(403).contentType("application/problem+json");
        as("globex", "admin").delete("/v1/tenants/" + tenant).then().statusCode(403);
        as(tenant, "writer").delete("/v1/tenants/" + tenant + "/docs/" + d1).then().statusCode(403);
        as(tenant, "writer").delete("/v1/tenants/" + tenant + "/docs/" + d1 + "/replicas/alice").then().statusCode(403);
        as(tenant, "admin").delete("/v1/tenants/" + tenant + "/docs/nothing-here").then().statusCode(404).contentType("application/problem+json");
        as(tenant, "admin").delete("/v1/tenants/" + tenant + "/docs/" + d1 + "/replicas/nobody").then().statusCode(404);
        as(tenant, "admin").delete("/v1/tenants/" + tenant + "/docs/" + d1 + "/replicas/hub").then().statusCode(409)
                .contentType("application/problem+json").body("type", org.hamcrest.Matchers.endsWith("hub-replica"));
        as(tenant, "admin").delete("/v1/tenants/Bad_Name").then().statusCode(400).contentType("application/problem+json");

        as(tenant, "admin").delete("/v1/tenants/" + tenant).then().statusCode(202).body("scope", equalTo("tenant"));
        as(tenant, "reader").get("/v1/tenants/" + tenant + "/docs").then().statusCode(410).contentType("application/problem+json");
        as(tenant, "reader").get("/v1/tenants/" + tenant + "/docs/" + d1).then().statusCode(410);
        as(tenant, "writer").contentType("application/json").body("{\"document\":{\"a\":1}}")
                .post("/v1/tenants/" + tenant + "/docs/brand-new/replicas/r/commits").then().statusCode(410);

        var events = EventsProbe.await(bootstrap, Topics.BLOCKS,
                s -> EventType.DOC_DELETED.type().equals(s.type()) && tenant.equals(s.data().path("tenant").asText()), 2, Duration.ofSeconds(90));
        assertThat(events).extracting(EventsProbe.Seen::key).containsExactlyInAnyOrder(tenant + "/" + d1, tenant + "/" + d2);
        assertThat(events).allSatisfy(e -> {
            assertThat(e.data().get("scope").asText()).isEqualTo("tenant");
            assertThat(EventSchemas.validate(EventType.DOC_DELETED, e.data())).isEmpty();
        });
        assertThat(keys("tenants/" + tenant + "/")).isEmpty();
        assertThat(keys("outbox/" + tenant + "/")).isEmpty();
        awaitState("/v1/tenants/" + tenant, "done");
        as(neighbour, "reader").get("/v1/tenants/" + neighbour + "/docs/" + d1 + "/replicas/alice/document").then().statusCode(200);
        assertThat(keys("tenants/" + neighbour + "/")).isNotEmpty();
    }

    /** Deleting again answers the deletion's state: wait until it says {@code state}. */
    private void awaitState(String path, String state) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        String seen = null;
        while (System.nanoTime() < deadline) {
            seen = as(tenantOf(path), "admin").delete(path).then().statusCode(202).extract().path("state");
            if (state.equals(seen)) {
                return;
            }
            Thread.sleep(200);
        }
        assertThat(seen).as(path).isEqualTo(state);
    }

    private static String tenantOf(String path) {
        return path.split("/")[3];
    }

    private MemoryStorage upload(String tenant, String doc, String replica, String json) {
        MemoryStorage local = Fixtures.localReplica(json);
        for (String key : Fixtures.uploadOrder(local)) {
            as(tenant, "writer").contentType("application/octet-stream").body(local.read(key))
                    .put("/v1/tenants/{t}/docs/{doc}/replicas/{r}/files/{key}", tenant, doc, replica, key).then().statusCode(201);
        }
        return local;
    }

    private void put(String key, String body) {
        s3.putObject(b -> b.bucket(s3Config.bucket()).key(key), RequestBody.fromString(body));
    }

    private void putMany(String prefix, int n) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                String key = prefix + String.format("%02x/%02x%062d.pack", i % 256, i % 256, i);
                done.add(pool.submit(() -> put(key, "x")));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
    }

    private List<String> keys(String prefix) {
        return s3.listObjectsV2Paginator(b -> b.bucket(s3Config.bucket()).prefix(prefix)).contents().stream().map(o -> o.key()).toList();
    }
}
