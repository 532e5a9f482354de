package dev.meldtown.blockstore;

import static dev.meldtown.blockstore.Fixtures.as;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meldtown.crdt.CanonicalJson;
import dev.meldtown.crdt.MemoryStorage;
import dev.meldtown.crdt.Replica;
import dev.meldtown.testkit.quarkus.KafkaTestResource;
import dev.meldtown.testkit.quarkus.S3TestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import dev.meldtown.model.ReplicaRef;
import dev.meldtown.service.S3Config;
import dev.meldtown.storage.s3.BucketLayout;
import dev.meldtown.storage.s3.S3Storage;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Writers that read a replica's document, edit their own item and commit it back under {@code If-Match}, while melds
 * (copies of other replicas' files, as the merge-service makes them) reach the replica between their turns: the
 * document a GET answers (from the read state, caught up through the block log) must be the very document the commit
 * is diffed with, so that a commit made right after a read is never refused, and no writer's item is ever lost.
 */
@QuarkusTest
@QuarkusTestResource(value = KafkaTestResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = S3TestResource.class, restrictToAnnotatedClass = true)
class ReadModifyWriteTest {
    private static final List<String> REPLICAS = List.of("r1", "r2", "r3");

    @Test
    void aReadThenACommitUnderItsETagAlwaysPassesAndEveryWritersItemSurvives() {
        String doc = Fixtures.uniqueDoc();
        Random random = new Random(42);
        for (int n = 1; n <= 8; n++) {
            for (String replica : REPLICAS) {
                // some melds first: another replica's files copied into a random one
                for (int m = random.nextInt(3); m > 0; m--) {
                    List<String> pair = new ArrayList<>(REPLICAS);
                    Collections.shuffle(pair, random);
                    copy(doc, pair.get(0), pair.get(1));
                }
                commitOwnItem(doc, replica, n);
            }
        }
        for (String from : REPLICAS) {
            for (String to : REPLICAS) {
                copy(doc, from, to);
            }
        }
        for (String replica : REPLICAS) {
            JsonNode read = CanonicalJson.parse(as("acme", "reader").get("/v1/tenants/acme/docs/{doc}/replicas/{r}/document", doc, replica)
                    .then().statusCode(200).extract().asString());
            assertThat(read.get("items\u266D").findValuesAsText("_id")).as(replica).containsExactlyInAnyOrderElementsOf(REPLICAS);
            assertThat(read.get("items\u266D").findValues("n")).as(replica).allMatch(v -> v.asInt() == 8);
        }
    }

    @Inject
    S3Client s3;

    @Inject
    S3Config s3Config;

    /**
     * A block stored in the replica that its block log does not name (as if its entry were lost) is invisible to the read
     * state, so a GET answers an older document than the one commits compare with: the commit is refused (412), and
     * that refusal replaces the read state by the replica's, so the writer's next read and commit go through.
     */
    @Test
    void aReadStateThatMissesABlockIsRepairedByTheCommitItMadeFail() {
        String doc = Fixtures.uniqueDoc();
        String url = "/v1/tenants/acme/docs/{doc}/replicas/r/";
        as("acme", "writer").contentType(ContentType.JSON).body(DocumentsApiTest.commit("{\"items\u266D\":[{\"_id\":\"a\"}]}", "w", null))
                .post(url + "commits", doc).then().statusCode(201);
        as("acme", "reader").get(url + "document", doc).then().statusCode(200); // replayed, and cached as the read state

        // another writer's block, stored straight into the replica's S3 prefix: nothing logs it
        MemoryStorage local = new MemoryStorage();
        for (String key : keys(doc, "r")) {
            local.write(key, as("acme", "reader").get(url + "files/{key}", doc, key).asByteArray());
        }
        Replica other = Replica.open(local);
        other.update("{\"items\u266D\":[{\"_id\":\"a\"},{\"_id\":\"x\"}]}");
        String block = other.commit("other", null).orElseThrow();
        S3Storage raw = new S3Storage(s3, s3Config.bucket(), BucketLayout.replica(ReplicaRef.of("acme", doc, "r")));
        for (String key : Fixtures.uploadOrder(local)) {
            if (!keys(doc, "r").contains(key)) {
                raw.write(key, local.read(key));
            }
        }
        assertThat(keys(doc, "r")).contains(block + ".delta");

        var stale = as("acme", "reader").get(url + "document", doc).then().statusCode(200).extract();
        assertThat(stale.asString()).doesNotContain("\"x\"");
        double repairedBefore = repaired();
        as("acme", "writer").contentType(ContentType.JSON).header("If-Match", stale.header("ETag"))
                .body(DocumentsApiTest.commit("{\"items\u266D\":[{\"_id\":\"a\",\"n\":1}]}", "w", null))
                .post(url + "commits", doc).then().statusCode(412);
        assertThat(repaired()).isEqualTo(repairedBefore + 1);

        var fresh = as("acme", "reader").get(url + "document", doc).then().statusCode(200).extract();
        assertThat(fresh.asString()).contains("\"x\"");
        assertThat(fresh.header("ETag")).isNotEqualTo(stale.header("ETag"));
        as("acme", "writer").contentType(ContentType.JSON).header("If-Match", fresh.header("ETag"))
                .body(DocumentsApiTest.commit("{\"items\u266D\":[{\"_id\":\"a\",\"n\":1},{\"_id\":\"x\"}]}", "w", null))
                .post(url + "commits", doc).then().statusCode(201);
        assertThat(CanonicalJson.parse(as("acme", "reader").get(url + "document", doc).asString()).get("items\u266D").findValuesAsText("_id"))
                .containsExactly("a", "x");
        // a refusal because the replica really changed after the read (not a stale state) replaces nothing
        String now = as("acme", "reader").get(url + "document", doc).then().extract().header("ETag");
        as("acme", "writer").contentType(ContentType.JSON).body(DocumentsApiTest.commit("{\"items\u266D\":[{\"_id\":\"a\",\"n\":2},{\"_id\":\"x\"}]}", "w", null))
                .post(url + "commits", doc).then().statusCode(201);
        as("acme", "writer").contentType(ContentType.JSON).header("If-Match", now)
                .body(DocumentsApiTest.commit("{\"items\u266D\":[{\"_id\":\"a\",\"n\":3},{\"_id\":\"x\"}]}", "w", null))
                .post(url + "commits", doc).then().statusCode(412);
        assertThat(repaired()).isEqualTo(repairedBefore + 1);
    }

    private static double repaired() {
        String metrics = io.restassured.RestAssured.get("/q/metrics").asString();
        return metrics.lines().filter(l -> l.startsWith("meldtown_block_store_reads_total{") && l.contains("reason=\"stale-repaired\""))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    private void commitOwnItem(String doc, String replica, int n) {
        var read = as("acme", "reader").get("/v1/tenants/acme/docs/{doc}/replicas/{r}/document", doc, replica).then().statusCode(200).extract();
        ObjectNode d = (ObjectNode) CanonicalJson.parse(read.asString());
        assertThat(d).as("GET of %s before #%d reads as a replay of its files", replica, n).isEqualTo(replay(doc, replica));
        d.remove("_id");
        d.put("title", "stream");
        var items = d.has("items\u266D") ? (com.fasterxml.jackson.databind.node.ArrayNode) d.get("items\u266D") : d.putArray("items\u266D");
        ObjectNode mine = null;
        for (JsonNode item : items) {
            if (replica.equals(item.path("_id").asText())) {
                mine = (ObjectNode) item;
            }
        }
        if (mine == null) {
            mine = items.addObject().put("_id", replica);
        }
        mine.put("n", n);
        var committed = as("acme", "writer").contentType(ContentType.JSON).header("If-Match", read.header("ETag"))
                .body(DocumentsApiTest.commit(CanonicalJson.write(d), replica, null))
                .post("/v1/tenants/acme/docs/{doc}/replicas/{r}/commits", doc, replica);
        assertThat(committed.statusCode()).as("commit %s #%d of %s, read %s: %s", replica, n, d, read.asString(), committed.asString()).isEqualTo(201);
    }

    /** The document of the replica's files, read by the library from a local copy. */
    private JsonNode replay(String doc, String replica) {
        MemoryStorage local = new MemoryStorage();
        for (String key : keys(doc, replica)) {
            local.write(key, as("acme", "reader").get("/v1/tenants/acme/docs/{doc}/replicas/{r}/files/{key}", doc, replica, key).asByteArray());
        }
        return Replica.open(local).read();
    }

    private List<String> keys(String doc, String replica) {
        return as("acme", "reader").get("/v1/tenants/acme/docs/{doc}/replicas/{r}/files", doc, replica)
                .then().statusCode(200).extract().path("keys");
    }

    /** What a meld of {@code from} into {@code to} stores: its packs, then its deltas oldest first, each once. */
    private void copy(String doc, String from, String to) {
        if (from.equals(to)) {
            return;
        }
        List<String> have = keys(doc, to);
        List<String> packs = new ArrayList<>();
        for (String key : keys(doc, from)) {
            if (!key.endsWith(".delta")) {
                packs.add(key);
            }
        }
        List<Map<String, Object>> log = as("acme", "reader").get("/v1/tenants/acme/docs/{doc}/replicas/{r}/log", doc, from).then().extract().path("");
        List<String> deltas = new ArrayList<>();
        log.forEach(e -> deltas.add(0, e.get("block") + ".delta"));
        List<String> order = new ArrayList<>(packs);
        order.addAll(deltas);
        for (String key : order) {
            if (!have.contains(key)) {
                byte[] bytes = as("acme", "reader").get("/v1/tenants/acme/docs/{doc}/replicas/{r}/files/{key}", doc, from, key).asByteArray();
                as("acme", "writer").body(bytes).contentType("application/octet-stream")
                        .put("/v1/tenants/acme/docs/{doc}/replicas/{r}/files/{key}", doc, to, key).then().statusCode(201);
            }
        }
    }
}
