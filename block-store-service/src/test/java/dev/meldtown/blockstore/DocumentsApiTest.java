package dev.meldtown.blockstore;

import com.fasterxml.jackson.databind.JsonNode;
import dev.meldtown.crdt.CanonicalJson;
import dev.meldtown.crdt.MemoryStorage;
import dev.meldtown.crdt.Replica;
import dev.meldtown.events.EventSchemas;
import dev.meldtown.events.EventType;
import dev.meldtown.events.Topics;
import dev.meldtown.service.S3Config;
import dev.meldtown.testkit.EventsProbe;
import dev.meldtown.testkit.MeldaTools;
import dev.meldtown.testkit.quarkus.KafkaTestResource;
import dev.meldtown.testkit.quarkus.S3TestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;
import static dev.meldtown.blockstore.Fixtures.as;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.nullValue;

@QuarkusTest
@QuarkusTestResource(value = KafkaTestResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = S3TestResource.class, restrictToAnnotatedClass = true)
class DocumentsApiTest {
    static final String TODO = "{\"software\":\"MeldaDo\",\"items♭\":[{\"_id\":\"a\",\"title\":\"Buy milk\"},{\"_id\":\"b\",\"title\":\"Walk the dog\"}]}";

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    @Inject
    S3Client s3;

    @Inject
    S3Config s3Config;

    @Test
    void uploadedFilesLandInMeldasLayoutAreWriteOnceAndReadBackAsTheLocalReplicaReads() throws Exception {
        String doc = Fixtures.uniqueDoc();
        MemoryStorage local = Fixtures.localReplica(TODO);
        for (String key : Fixtures.uploadOrder(local)) {
            as("acme", "writer").body(local.read(key)).contentType("application/octet-stream")
                    .put("/v1/tenants/acme/docs/{doc}/replicas/alice/files/{key}", doc, key)
                    .then().statusCode(201).body("created", equalTo(true));
            // the same bytes again: 200, nothing rewritten
            as("acme", "writer").body(local.read(key)).contentType("application/octet-stream")
                    .put("/v1/tenants/acme/docs/{doc}/replicas/alice/files/{key}", doc, key)
                    .then().statusCode(200).body("created", equalTo(false));
        }
        String delta = local.list(".delta").get(0);
        assertThat(objectKeys("tenants/acme/docs/" + doc + "/replicas/alice/"))
                .contains("tenants/acme/docs/" + doc + "/replicas/alice/" + delta.substring(0, 2) + "/" + delta + ".delta");

        String expected = CanonicalJson.write(Replica.open(local).read());
        String served = as("acme", "reader").get("/v1/tenants/acme/docs/{doc}/replicas/alice/document", doc)
                .then().statusCode(200).extract().asString();
        assertThat(CanonicalJson.write(CanonicalJson.parse(served))).isEqualTo(expected);

        byte[] deltaBytes = local.read(delta + ".delta");
        byte[] got = as("acme", "reader").get("/v1/tenants/acme/docs/{doc}/replicas/alice/files/{key}", doc, delta + ".delta")
                .then().statusCode(200).extract().asByteArray();
        assertThat(got).isEqualTo(deltaBytes);
        byte[] part = as("acme", "reader").header("Range", "bytes=2-9")
                .get("/v1/tenants/acme/docs/{doc}/replicas/alice/files/{key}", doc, delta + ".delta")
                .then().statusCode(206).header("Content-Range", "bytes 2-9/" + deltaBytes.length).extract().asByteArray();
        assertThat(part).isEqualTo(java.util.Arrays.copyOfRange(deltaBytes, 2, 10));
        as("acme", "reader").head("/v1/tenants/acme/docs/{doc}/replicas/alice/files/{key}", doc, delta + ".delta")
                .then().statusCode(200).header("Content-Length", String.valueOf(deltaBytes.length));
        as("acme", "reader").header("Range", "bytes=100000-")
                .get("/v1/tenants/acme/docs/{doc}/replicas/alice/files/{key}", doc, delta + ".delta").then().statusCode(416);

        as("acme", "reader").get("/v1/tenants/acme/docs/{doc}/replicas/alice/files?suffix=.delta", doc)
                .then().statusCode(200).body("keys", equalTo(List.of(delta + ".delta"))).body("next", nullValue());
        as("acme", "reader").get("/v1/tenants/acme/docs/{doc}", doc)
                .then().statusCode(200).body("replicas", equalTo(List.of("alice"))).body("compression", equalTo("none"));
    }

    @Test
    void everyNewDeltaIsAnnouncedOnceOnTheBlocksTopicWithTheContractsShape() throws Exception {
        String doc = Fixtures.uniqueDoc();
        MemoryStorage local = Fixtures.localReplica(TODO);
        for (String key : Fixtures.uploadOrder(local)) {
            as("acme", "writer").body(local.read(key)).put("/v1/tenants/acme/docs/{doc}/replicas/bob/files/{key}", doc, key).then().statusCode(201);
        }
        String block = local.list(".delta").get(0);
        var events = EventsProbe.await(bootstrap, Topics.BLOCKS, s -> doc.equals(s.data().path("doc").asText()), 1, Duration.ofSeconds(30));
        assertThat(events).hasSize(1);
        var e = events.get(0);
        assertThat(e.key()).isEqualTo("acme/" + doc);
        assertThat(e.event().getType()).isEqualTo("dev.meldtown.block.committed");
        assertThat(e.event().getSource().toString()).isEqualTo("/meldtown/block-store");
        assertThat(e.event().getSubject()).isEqualTo(doc);
        assertThat(EventSchemas.validate(EventType.BLOCK_COMMITTED, e.data())).isEmpty();
        assertThat(e.data().get("replica").asText()).isEqualTo("bob");
        assertThat(e.data().get("block").asText()).isEqualTo(block);
        assertThat(e.data().get("packs")).hasSize(local.list(".pack").size());
        assertThat(e.data().get("bytes").asLong()).isEqualTo(local.read(block + ".delta").length);
        // nothing is left in the outbox once Kafka acknowledged: the next sweep (every 5 s) deletes acknowledged entries
        // in one batch request
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (!objectKeys("outbox/acme/" + doc + "/").isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        assertThat(objectKeys("outbox/acme/" + doc + "/")).isEmpty();
    }

    @Test
    void serverSideCommitsReadLogConflictsResolveHistoryAndValue() throws Exception {
        String doc = Fixtures.uniqueDoc();
        String block = as("acme", "writer").contentType(ContentType.JSON)
                .body(commit(TODO, "alice", "first"))
                .post("/v1/tenants/acme/docs/{doc}/replicas/hub/commits", doc)
                .then().statusCode(201).extract().path("block");
        assertThat(block).matches("[0-9a-f]{64}");
        as("acme", "writer").contentType(ContentType.JSON).body(commit(TODO, null, null))
                .post("/v1/tenants/acme/docs/{doc}/replicas/hub/commits", doc)
                .then().statusCode(200).body("block", nullValue());

        // a concurrent edit in another replica, melded in by hand through file uploads, makes a conflict
        MemoryStorage other = new MemoryStorage();
        for (String key : List.of(block + ".delta")) {
            byte[] bytes = as("acme", "reader").get("/v1/tenants/acme/docs/{doc}/replicas/hub/files/{key}", doc, key).asByteArray();
            var parsed = dev.meldtown.crdt.DeltaBlock.parse(block, bytes);
            for (String pack : parsed.packs()) {
                other.write(pack + ".pack", as("acme", "reader").get("/v1/tenants/acme/docs/{doc}/replicas/hub/files/{key}", doc, pack + ".pack").asByteArray());
            }
            other.write(key, bytes);
        }
        Replica carol = Replica.open(other);
        carol.update(TODO.replace("Buy milk", "Buy oat milk"));
        carol.commit("carol", "oat");
        as("acme", "writer").contentType(ContentType.JSON).body(commit(TODO.replace("Buy milk", "Buy soy milk"), null, null))
                .post("/v1/tenants/acme/docs/{doc}/replicas/hub/commits", doc).then().statusCode(201);
        for (String key : Fixtures.uploadOrder(other)) {
            as("acme", "writer").body(other.read(key)).put("/v1/tenants/acme/docs/{doc}/replicas/hub/files/{key}", doc, key)
                    .then().statusCode(org.hamcrest.Matchers.anyOf(equalTo(200), equalTo(201)));
        }

        as("acme", "reader").get("/v1/tenants/acme/docs/{doc}/replicas/hub/conflicts", doc)
                .then().statusCode(200).body("", hasSize(1)).body("[0].object", equalTo("a")).body("[0].others", hasSize(1));
        as("acme", "reader").get("/v1/tenants/acme/docs/{doc}/replicas/hub/log", doc)
                .then().statusCode(200).body("", hasSize(3)).body("findAll { it.anchor }.size()", equalTo(2));
        List<String> history = as("acme", "reader").get("/v1/tenants/acme/docs/{doc}/replicas/hub/objects/a/history", doc)
                .then().statusCode(200).extract().path("");
        assertThat(history).hasSize(2);
        as("acme", "reader").get("/v1/tenants/acme/docs/{doc}/replicas/hub/objects/a/value?revision={r}", doc, history.get(1))
                .then().statusCode(200).body("title", equalTo("Buy milk"));
        as("acme", "reader").get("/v1/tenants/acme/docs/{doc}/replicas/hub/objects/nope/value", doc)
                .then().statusCode(404).contentType("application/problem+json");

        // the same JSON shapes as the CLI's --json (ReplicaViews): these keys, in this order
        JsonNode conflicts = CanonicalJson.parse(as("acme", "reader").get("/v1/tenants/acme/docs/{doc}/replicas/hub/conflicts", doc).asString());
        assertThat(keys(conflicts.get(0))).containsExactly("object", "winner", "others");
        assertThat(keys(conflicts.get(0).get("winner"))).containsExactly("revision", "value");
        assertThat(keys(conflicts.get(0).get("others").get(0))).containsExactly("revision", "value");
        JsonNode log = CanonicalJson.parse(as("acme", "reader").get("/v1/tenants/acme/docs/{doc}/replicas/hub/log", doc).asString());
        for (JsonNode entry : log) {
            List<String> expected = entry.has("information") ? List.of("block", "marker", "anchor", "origin", "information", "packs", "parents")
                    : List.of("block", "marker", "anchor", "origin", "packs", "parents");
            assertThat(keys(entry)).containsExactlyElementsOf(expected);
            assertThat(entry.get("anchor").booleanValue()).isEqualTo(entry.get("marker").textValue().equals("A"));
        }
        assertThat(log).anyMatch(e -> e.has("information"));

        JsonNode resolved = CanonicalJson.parse(as("acme", "writer").contentType(ContentType.JSON).body("{}")
                .post("/v1/tenants/acme/docs/{doc}/replicas/hub/resolve", doc)
                .then().statusCode(200).body("resolved", hasSize(1)).body("block", org.hamcrest.Matchers.matchesPattern("[0-9a-f]{64}"))
                .extract().asString());
        assertThat(keys(resolved.get("resolved").get(0))).containsExactly("object", "winner", "previousWinner");
        as("acme", "reader").get("/v1/tenants/acme/docs/{doc}/replicas/hub/conflicts", doc).then().statusCode(200).body("", hasSize(0));

        String asOfFirst = as("acme", "reader").get("/v1/tenants/acme/docs/{doc}/replicas/hub/document?block={b}", doc, block)
                .then().statusCode(200).extract().asString();
        assertThat(asOfFirst).contains("Buy milk").doesNotContain("oat").doesNotContain("soy");
    }

    @Test
    void aCommitWithIfMatchChangesOnlyTheDocumentItsAuthorRead() {
        String doc = Fixtures.uniqueDoc();
        String url = "/v1/tenants/acme/docs/{doc}/replicas/hub/";
        // no document yet: If-None-Match: * creates it, and a second such commit is refused
        as("acme", "writer").contentType(ContentType.JSON).header("If-None-Match", "*").body(commit(TODO, "alice", null))
                .post(url + "commits", doc).then().statusCode(201);
        as("acme", "writer").contentType(ContentType.JSON).header("If-None-Match", "*").body(commit("{\"n\":1}", "alice", null))
                .post(url + "commits", doc).then().statusCode(412).contentType("application/problem+json")
                .body("type", org.hamcrest.Matchers.endsWith("precondition-failed"));

        // Alice and Bob read the same document; Bob commits first, so Alice's commit (which lacks Bob's item) is refused
        var read = as("acme", "reader").get(url + "document", doc).then().statusCode(200).extract();
        String tag = read.header("ETag");
        assertThat(tag).isEqualTo("\"" + CanonicalJson.sha256(CanonicalJson.parse(read.asString())) + "\"");
        String withBob = TODO.replace("]}", ",{\"_id\":\"c\",\"title\":\"Bob's\"}]}");
        as("acme", "writer").contentType(ContentType.JSON).header("If-Match", tag).body(commit(withBob, "bob", null))
                .post(url + "commits", doc).then().statusCode(201);
        String current = as("acme", "reader").get(url + "document", doc).then().statusCode(200).extract().header("ETag");
        assertThat(current).isNotEqualTo(tag);
        as("acme", "writer").contentType(ContentType.JSON).header("If-Match", tag).body(commit(TODO.replace("Buy milk", "Buy bread"), "alice", null))
                .post(url + "commits", doc).then().statusCode(412).contentType("application/problem+json")
                .header("ETag", current).body("etag", equalTo(current)).body("detail", org.hamcrest.Matchers.containsString("read it again"));
        as("acme", "reader").get(url + "document", doc).then().statusCode(200)
                .body("'items\u266D'._id", org.hamcrest.Matchers.contains("a", "b", "c")).body("'items\u266D'[0].title", equalTo("Buy milk"));

        // read again, reapply: it passes, with any of a list of tags, and * matches an existing document
        as("acme", "writer").contentType(ContentType.JSON).header("If-Match", tag + ", " + current)
                .body(commit(withBob.replace("Buy milk", "Buy bread"), "alice", null))
                .post(url + "commits", doc).then().statusCode(201);
        as("acme", "writer").contentType(ContentType.JSON).header("If-Match", "*").body(commit(withBob, "alice", null))
                .post(url + "commits", doc).then().statusCode(201);
        // a weak tag never matches If-Match, and a header that is no entity tag is a 400
        String now = as("acme", "reader").get(url + "document", doc).then().extract().header("ETag");
        as("acme", "writer").contentType(ContentType.JSON).header("If-Match", "W/" + now).body(commit(TODO, "alice", null))
                .post(url + "commits", doc).then().statusCode(412);
        as("acme", "writer").contentType(ContentType.JSON).header("If-Match", now.replace("\"", "")).body(commit(TODO, "alice", null))
                .post(url + "commits", doc).then().statusCode(400).contentType("application/problem+json")
                .body("type", org.hamcrest.Matchers.endsWith("invalid-precondition"));
        as("acme", "reader").get(url + "document", doc).then().statusCode(200).header("ETag", now);
        // a replica with no block reads as {} with that ETag, which If-Match takes; it fails If-Match: *
        String empty = as("acme", "reader").get("/v1/tenants/acme/docs/{doc}/replicas/empty/document", doc).then().statusCode(200)
                .body("size()", equalTo(0)).extract().header("ETag");
        as("acme", "writer").contentType(ContentType.JSON).header("If-Match", "*").body(commit(TODO, "alice", null))
                .post("/v1/tenants/acme/docs/{doc}/replicas/empty/commits", doc).then().statusCode(412).header("ETag", empty);
        as("acme", "writer").contentType(ContentType.JSON).header("If-Match", empty).body(commit(TODO, "alice", null))
                .post("/v1/tenants/acme/docs/{doc}/replicas/empty/commits", doc).then().statusCode(201);
        // a historic read has the tag of what it shows
        String first = as("acme", "reader").get(url + "log", doc).then().extract().path("[-1].block");
        var old = as("acme", "reader").get(url + "document?block={b}", doc, first).then().statusCode(200).extract();
        assertThat(old.header("ETag")).isEqualTo(tag);
    }

    @Test
    void aTenantsDocumentsAreListedByNameAPageAtATime() {
        String tenant = "docs-" + Fixtures.uniqueDoc();
        as(tenant, "reader").get("/v1/tenants/{t}/docs", tenant).then().statusCode(200)
                .body("docs", hasSize(0)).body("next", nullValue());
        // one document with settings only, two with a replica's files; another tenant's stays out
        as(tenant, "writer").contentType(ContentType.JSON).body(Map.of("compression", "none"))
                .put("/v1/tenants/{t}/docs/{doc}", tenant, "b-settings").then().statusCode(201);
        MemoryStorage local = Fixtures.localReplica(TODO);
        for (String doc : List.of("c-files", "a-files")) {
            for (String key : Fixtures.uploadOrder(local)) {
                as(tenant, "writer").body(local.read(key)).put("/v1/tenants/{t}/docs/{doc}/replicas/r1/files/{key}", tenant, doc, key)
                        .then().statusCode(201);
            }
        }
        as("acme", "writer").contentType(ContentType.JSON).body(Map.of("compression", "none"))
                .put("/v1/tenants/acme/docs/{doc}", Fixtures.uniqueDoc()).then().statusCode(201);

        as(tenant, "reader").get("/v1/tenants/{t}/docs", tenant).then().statusCode(200)
                .body("docs", equalTo(List.of("a-files", "b-settings", "c-files"))).body("next", nullValue());
        as(tenant, "reader").queryParam("limit", 2).get("/v1/tenants/{t}/docs", tenant).then().statusCode(200)
                .body("docs", equalTo(List.of("a-files", "b-settings"))).body("next", equalTo("b-settings"));
        as(tenant, "reader").queryParam("limit", 2).queryParam("startAfter", "b-settings").get("/v1/tenants/{t}/docs", tenant)
                .then().statusCode(200).body("docs", equalTo(List.of("c-files"))).body("next", nullValue());
        // another tenant's token, a bad limit and a bad tenant name are refused as problems
        as("acme", "admin").get("/v1/tenants/{t}/docs", tenant).then().statusCode(403).contentType("application/problem+json");
        as(tenant, "reader").queryParam("limit", 0).get("/v1/tenants/{t}/docs", tenant).then().statusCode(400)
                .contentType("application/problem+json");
        as(tenant, "reader").get("/v1/tenants/{t}/docs", "Bad_Tenant").then().statusCode(400).contentType("application/problem+json");
        io.restassured.RestAssured.given().get("/v1/tenants/{t}/docs", tenant).then().statusCode(401);
    }

    @Test
    void flateDocumentsStoreDeflatedObjectsButServeTheUncompressedBytes() {
        String doc = Fixtures.uniqueDoc();
        as("acme", "writer").contentType(ContentType.JSON).body(Map.of("compression", "flate", "conflictPolicy", "resolve-to-winner"))
                .put("/v1/tenants/acme/docs/{doc}", doc).then().statusCode(201).body("compression", equalTo("flate"));
        as("acme", "writer").contentType(ContentType.JSON).body(Map.of("compression", "flate", "conflictPolicy", "keep"))
                .put("/v1/tenants/acme/docs/{doc}", doc).then().statusCode(200).body("conflictPolicy", equalTo("keep"));
        MemoryStorage local = Fixtures.localReplica(TODO);
        for (String key : Fixtures.uploadOrder(local)) {
            as("acme", "writer").body(local.read(key)).put("/v1/tenants/acme/docs/{doc}/replicas/r1/files/{key}", doc, key).then().statusCode(201);
        }
        String delta = local.list(".delta").get(0);
        assertThat(objectKeys("tenants/acme/docs/" + doc + "/replicas/r1/")).allMatch(k -> k.endsWith(".flate"));
        byte[] served = as("acme", "reader").get("/v1/tenants/acme/docs/{doc}/replicas/r1/files/{key}", doc, delta + ".delta").asByteArray();
        assertThat(served).isEqualTo(local.read(delta + ".delta"));
        // compression is fixed once replicas exist
        as("acme", "writer").contentType(ContentType.JSON).body(Map.of("compression", "none"))
                .put("/v1/tenants/acme/docs/{doc}", doc).then().statusCode(409).contentType("application/problem+json");
    }

    @Test
    void aReplicaPrefixCopiedOutOfTheBucketOpensWithLibmeldaToolsAndReadsTheSame(@TempDir Path dir) throws Exception {
        String doc = Fixtures.uniqueDoc();
        as("acme", "writer").contentType(ContentType.JSON).body(commit(TODO, "alice", null))
                .post("/v1/tenants/acme/docs/{doc}/replicas/hub/commits", doc).then().statusCode(201);
        String prefix = "tenants/acme/docs/" + doc + "/replicas/hub/";
        for (String key : objectKeys(prefix)) {
            Path target = dir.resolve(key.substring(prefix.length()));
            Files.createDirectories(target.getParent());
            Files.write(target, s3.getObjectAsBytes(b -> b.bucket(s3Config.bucket()).key(key)).asByteArray());
        }
        var melda = MeldaTools.locate().run(dir, "read", "-s", "file://" + dir);
        assertThat(melda.exitCode()).as(melda.stderr()).isZero();
        String ours = as("acme", "reader").get("/v1/tenants/acme/docs/{doc}/replicas/hub/document", doc).asString();
        JsonNode theirs = CanonicalJson.parse(melda.stdout().trim());
        assertThat(CanonicalJson.write(theirs)).isEqualTo(CanonicalJson.write(CanonicalJson.parse(ours)));
    }

    @Test
    void meldRequestsAreAcceptedAndPublishedForTheMergeService() throws Exception {
        String doc = Fixtures.uniqueDoc();
        String requestId = as("acme", "writer").contentType(ContentType.JSON).body(Map.of("source", "alice"))
                .post("/v1/tenants/acme/docs/{doc}/replicas/hub/meld", doc)
                .then().statusCode(202).extract().path("requestId");
        var events = EventsProbe.await(bootstrap, Topics.MERGES, s -> requestId.equals(s.data().path("requestId").asText()), 1, Duration.ofSeconds(30));
        assertThat(events).hasSize(1);
        assertThat(events.get(0).event().getType()).isEqualTo("dev.meldtown.merge.requested");
        assertThat(events.get(0).data().get("source").asText()).isEqualTo("alice");
        assertThat(events.get(0).data().get("target").asText()).isEqualTo("hub");
        assertThat(events.get(0).key()).isEqualTo("acme/" + doc);
    }

    @Test
    void metricsExposeS3OperationHistogramsAndBytesStoredPerTenant() {
        String doc = Fixtures.uniqueDoc();
        MemoryStorage local = Fixtures.localReplica(TODO);
        for (String key : Fixtures.uploadOrder(local)) {
            as("metrics-co", "writer").body(local.read(key)).put("/v1/tenants/metrics-co/docs/{doc}/replicas/r/files/{key}", doc, key).then().statusCode(201);
        }
        long total = Fixtures.uploadOrder(local).stream().mapToLong(k -> local.read(k).length).sum();
        String metrics = io.restassured.RestAssured.get("/q/metrics").then().statusCode(200).extract().asString();
        assertThat(metrics).contains("meldtown_s3_operations_seconds_bucket{").contains("operation=\"PutObject\"");
        assertThat(metrics).contains("meldtown_block_store_bytes_stored_bytes_total{tenant=\"metrics-co\"} " + (double) total);
        assertThat(metrics).contains("http_server_requests_seconds_count{");
    }

    /** The commits request body; the document is embedded as raw JSON text. */
    static String commit(String document, String author, String description) {
        StringBuilder b = new StringBuilder("{\"document\":").append(document);
        if (author != null) {
            b.append(",\"author\":\"").append(author).append('"');
        }
        if (description != null) {
            b.append(",\"description\":\"").append(description).append('"');
        }
        return b.append('}').toString();
    }

    List<String> objectKeys(String prefix) {
        return s3.listObjectsV2Paginator(b -> b.bucket(s3Config.bucket()).prefix(prefix)).contents().stream().map(S3Object::key).toList();
    }

    private static List<String> keys(JsonNode n) {
        List<String> out = new java.util.ArrayList<>();
        n.fieldNames().forEachRemaining(out::add);
        return out;
    }
}
