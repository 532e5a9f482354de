package dev.meldtown.blockstore;

import static dev.meldtown.blockstore.Fixtures.as;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.meldtown.crdt.MemoryStorage;
import dev.meldtown.service.S3Config;
import dev.meldtown.testkit.quarkus.KafkaTestResource;
import dev.meldtown.testkit.quarkus.S3TestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

/**
 * Issue 14 item 4 against real S3 and Kafka: an operator sets a tenant's limits (a tenant's admin cannot), usage is
 * counted as files are stored and given back by deletions, and each limit refuses the write that would cross it
 * before anything is written (413 quota-bytes / quota-documents, 429 quota-writes-per-second with Retry-After).
 */
@QuarkusTest
@TestProfile(DeletionTest.Quick.class) // deletions due after 1 s: the give-back is seen quickly
@QuarkusTestResource(value = KafkaTestResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = S3TestResource.class, restrictToAnnotatedClass = true)
class QuotaTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    S3Client s3;

    @Inject
    S3Config s3Config;

    @Inject
    dev.meldtown.blockstore.internal.Quotas quotas;

    static String uniqueTenant() {
        return "q-" + UUID.randomUUID().toString().substring(0, 8);
    }

    static Response setQuota(String tenant, String body) {
        return as("ops", "operator").contentType("application/json").body(body).put("/v1/tenants/{t}/quota", tenant);
    }

    static JsonNode usage(String tenant) throws Exception {
        return JSON.readTree(as(tenant, "reader").get("/v1/tenants/{t}/usage", tenant).then().statusCode(200).extract().asString());
    }

    static Response upload(String tenant, String doc, String replica, MemoryStorage local, String key) {
        return as(tenant, "writer").contentType("application/octet-stream").body(local.read(key))
                .put("/v1/tenants/{t}/docs/{d}/replicas/{r}/files/{k}", tenant, doc, replica, key);
    }

    static long size(MemoryStorage local) {
        return Fixtures.uploadOrder(local).stream().mapToLong(k -> local.read(k).length).sum();
    }

    @Test
    void onlyAnOperatorSetsLimitsForAnyTenantAndUsageShowsThem() throws Exception {
        String tenant = uniqueTenant();
        JsonNode fresh = usage(tenant);
        assertThat(fresh.get("bytes").asLong()).isZero();
        assertThat(fresh.get("documents").asLong()).isZero();
        assertThat(fresh.get("overridden").asBoolean()).isFalse();
        assertThat(fresh.get("limits").get("maxBytes").isNull()).as("no deployment default in this profile").isTrue();

        String body = "{\"maxBytes\":1000,\"maxDocuments\":3,\"writesPerSecond\":50}";
        // the tenant's own admin cannot lift (or set) its limits; a writer neither
        for (String role : List.of("reader", "writer", "admin")) {
            as(tenant, role).contentType("application/json").body(body).put("/v1/tenants/{t}/quota", tenant).then().statusCode(403)
                    .contentType("application/problem+json").body("detail", containsString("operator"));
        }
        // an operator's token is valid for every tenant, whatever its tenant claim
        setQuota(tenant, body).then().statusCode(200).body("tenant", equalTo(tenant)).body("limits.maxBytes", equalTo(1000))
                .body("limits.maxDocuments", equalTo(3)).body("limits.writesPerSecond", equalTo(50)).body("overridden", equalTo(true));
        JsonNode set = usage(tenant);
        assertThat(set.get("limits").get("maxBytes").asLong()).isEqualTo(1000);
        assertThat(set.get("overridden").asBoolean()).isTrue();
        // stored as service-private state in the bucket
        String stored = s3.getObjectAsBytes(b -> b.bucket(s3Config.bucket()).key("tenants/" + tenant + "/quota/limits.json")).asUtf8String();
        assertThat(JSON.readTree(stored).get("maxDocuments").asLong()).isEqualTo(3);
        // null or absent fields go back to the deployment's defaults (none here)
        setQuota(tenant, "{\"maxBytes\":null}").then().statusCode(200).body("limits.maxBytes", nullValue())
                .body("limits.maxDocuments", nullValue()).body("limits.writesPerSecond", nullValue()).body("overridden", equalTo(false));
        assertThat(keys("tenants/" + tenant + "/quota/limits.json")).as("the override is gone").isEmpty();
        // the operator role also passes every tenant-scoped check (it is above admin)
        as("ops", "operator").get("/v1/tenants/{t}/docs", tenant).then().statusCode(200);
    }

    @Test
    void invalidQuotasAre400ProblemsAndChangeNothing() throws Exception {
        String tenant = uniqueTenant();
        setQuota(tenant, "{\"maxBytes\":5000}").then().statusCode(200);
        List<String> bad = List.of("[]", "42", "\"x\"", "{\"maxBytes\":-1}", "{\"maxBytes\":\"5\"}", "{\"maxBytes\":1.5}",
                "{\"maxBytes\":true}", "{\"maxBytes\":{}}", "{\"maxDocuments\":-3}", "{\"writesPerSecond\":0}",
                "{\"writesPerSecond\":10000001}", "{\"maxBytes\":99999999999999999999999}", "{\"maxbytes\":5}", "{\"extra\":1}", "{");
        for (String body : bad) {
            setQuota(tenant, body).then().statusCode(400).contentType("application/problem+json").body("status", equalTo(400));
        }
        setQuota(tenant, "").then().statusCode(400).contentType("application/problem+json");
        as("ops", "operator").contentType("text/plain").body("{}").put("/v1/tenants/{t}/quota", tenant).then().statusCode(415);
        setQuota("Bad_Name", "{}").then().statusCode(400).contentType("application/problem+json");
        assertThat(usage(tenant).get("limits").get("maxBytes").asLong()).isEqualTo(5000);
    }

    @Test
    void storedBytesAreCountedAndAFileBeyondMaxBytesIs413BeforeAnythingIsWritten() throws Exception {
        String tenant = uniqueTenant();
        String doc = Fixtures.uniqueDoc();
        MemoryStorage first = Fixtures.localReplica("{\"title\":\"first\"}");
        for (String key : Fixtures.uploadOrder(first)) {
            upload(tenant, doc, "alice", first, key).then().statusCode(201);
        }
        long used = size(first);
        assertThat(usage(tenant).get("bytes").asLong()).as("exactly the stored files").isEqualTo(used);
        // an identical upload stores nothing new and counts nothing
        String firstKey = Fixtures.uploadOrder(first).get(0);
        upload(tenant, doc, "alice", first, firstKey).then().statusCode(200);
        assertThat(usage(tenant).get("bytes").asLong()).isEqualTo(used);

        MemoryStorage second = Fixtures.localReplica("{\"title\":\"second, which does not fit\"}");
        String pack = Fixtures.uploadOrder(second).get(0);
        setQuota(tenant, "{\"maxBytes\":" + (used + second.read(pack).length - 1) + "}").then().statusCode(200);
        upload(tenant, doc, "bob", second, pack).then().statusCode(413).contentType("application/problem+json")
                .body("type", containsString("quota-bytes")).body("limit", equalTo("maxBytes")).body("detail", containsString("maxBytes"));
        assertThat(keys("tenants/" + tenant + "/docs/" + doc + "/replicas/bob/")).as("nothing written").isEmpty();
        // at the limit, re-sending a file the replica holds is still answered as before
        upload(tenant, doc, "alice", first, firstKey).then().statusCode(200);
        // a commit's size is unknown before it is made: refused once the usage reached the limit, nothing written
        setQuota(tenant, "{\"maxBytes\":" + used + "}").then().statusCode(200);
        String replica = "/v1/tenants/{t}/docs/{d}/replicas/alice";
        as(tenant, "writer").contentType("application/json").body("{\"document\":{\"title\":\"changed\"}}")
                .post(replica + "/commits", tenant, doc).then().statusCode(413).body("limit", equalTo("maxBytes"));
        as(tenant, "writer").contentType("application/json").body("{\"source\":\"alice\"}")
                .post("/v1/tenants/{t}/docs/{d}/replicas/bob/meld", tenant, doc).then().statusCode(413);
        as(tenant, "reader").get(replica + "/document", tenant, doc).then().statusCode(200).body("title", equalTo("first"));
        assertThat(usage(tenant).get("bytes").asLong()).isEqualTo(used);
        // raised by the operator: the same commit goes through and is counted
        setQuota(tenant, "{\"maxBytes\":1000000}").then().statusCode(200);
        as(tenant, "writer").contentType("application/json").body("{\"document\":{\"title\":\"changed\"}}")
                .post(replica + "/commits", tenant, doc).then().statusCode(201);
        assertThat(usage(tenant).get("bytes").asLong()).isGreaterThan(used);
    }

    @Test
    void aDocumentBeyondMaxDocumentsIs413AndADeletionGivesItsRoomBack() throws Exception {
        String tenant = uniqueTenant();
        setQuota(tenant, "{\"maxDocuments\":2}").then().statusCode(200);
        String settings = "{\"compression\":\"none\",\"conflictPolicy\":\"keep\"}";
        as(tenant, "writer").contentType("application/json").body(settings).put("/v1/tenants/{t}/docs/one", tenant).then().statusCode(201);
        MemoryStorage two = Fixtures.localReplica("{\"title\":\"two\"}");
        for (String key : Fixtures.uploadOrder(two)) {
            upload(tenant, "two", "alice", two, key).then().statusCode(201);
        }
        assertThat(usage(tenant).get("documents").asLong()).isEqualTo(2);
        long bytes = usage(tenant).get("bytes").asLong();
        assertThat(bytes).isEqualTo(size(two));

        // a third document, by settings, by upload or by commit: 413, and it does not come to exist
        as(tenant, "writer").contentType("application/json").body(settings).put("/v1/tenants/{t}/docs/three", tenant).then().statusCode(413)
                .contentType("application/problem+json").body("type", containsString("quota-documents")).body("limit", equalTo("maxDocuments"));
        upload(tenant, "three", "alice", two, Fixtures.uploadOrder(two).get(0)).then().statusCode(413).body("limit", equalTo("maxDocuments"));
        as(tenant, "writer").contentType("application/json").body("{\"document\":{\"a\":1}}")
                .post("/v1/tenants/{t}/docs/three/replicas/alice/commits", tenant).then().statusCode(413);
        as(tenant, "reader").get("/v1/tenants/{t}/docs/three", tenant).then().statusCode(404);
        assertThat(keys("tenants/" + tenant + "/docs/three/")).isEmpty();
        // the existing documents still take writes
        as(tenant, "writer").contentType("application/json").body("{\"document\":{\"title\":\"two, again\"}}")
                .post("/v1/tenants/{t}/docs/two/replicas/alice/commits", tenant).then().statusCode(201);
        long afterCommit = usage(tenant).get("bytes").asLong();
        assertThat(afterCommit).isGreaterThan(bytes);

        // deleting a replica gives its bytes back, deleting a document its place
        as(tenant, "writer").contentType("application/json").body("{\"document\":{\"title\":\"bob\"}}")
                .post("/v1/tenants/{t}/docs/two/replicas/bob/commits", tenant).then().statusCode(201);
        long withBob = usage(tenant).get("bytes").asLong();
        as(tenant, "admin").delete("/v1/tenants/{t}/docs/two/replicas/bob", tenant).then().statusCode(202);
        await(() -> bytesNow(tenant) == afterCommit, "bob's bytes given back (" + withBob + " -> " + afterCommit + ")");
        as(tenant, "admin").delete("/v1/tenants/{t}/docs/two", tenant).then().statusCode(202);
        await(() -> documentsNow(tenant) == 1 && bytesNow(tenant) == 0, "document two's place and bytes given back");
        as(tenant, "writer").contentType("application/json").body(settings).put("/v1/tenants/{t}/docs/three", tenant).then().statusCode(201);
        assertThat(usage(tenant).get("documents").asLong()).isEqualTo(2);
    }

    /**
     * Instances removing the same document at once give it back once: the give-back is claimed with
     * {@code If-None-Match: *}. (Marking the note applied with {@code If-Match}, as before, let several of them through on
     * S3Proxy, which checks that and then writes: usage dropped by a document and its bytes more than once.)
     */
    @Test
    void aDocumentGivenBackByManyAtOnceIsGivenBackOnce() throws Exception {
        String tenant = uniqueTenant();
        MemoryStorage kept = Fixtures.localReplica("{\"title\":\"kept\"}");
        MemoryStorage gone = Fixtures.localReplica("{\"title\":\"gone, and given back once\"}");
        for (String key : Fixtures.uploadOrder(kept)) {
            upload(tenant, "kept", "alice", kept, key).then().statusCode(201);
        }
        for (String key : Fixtures.uploadOrder(gone)) {
            upload(tenant, "gone", "alice", gone, key).then().statusCode(201);
        }
        assertThat(documentsNow(tenant)).isEqualTo(2);
        assertThat(bytesNow(tenant)).isEqualTo(size(kept) + size(gone));
        dev.meldtown.model.Scope scope = dev.meldtown.model.Scope.of(dev.meldtown.model.DocRef.of(tenant, "gone"));
        quotas.noteRelease(scope);

        java.util.concurrent.ExecutorService givers = java.util.concurrent.Executors.newFixedThreadPool(8);
        try {
            java.util.concurrent.CountDownLatch start = new java.util.concurrent.CountDownLatch(1);
            List<java.util.concurrent.Future<?>> all = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                all.add(givers.submit(() -> {
                    start.await();
                    quotas.release(scope);
                    return null;
                }));
            }
            start.countDown();
            for (java.util.concurrent.Future<?> f : all) {
                f.get();
            }
        } finally {
            givers.shutdownNow();
        }
        assertThat(documentsNow(tenant)).as("documents").isEqualTo(1);
        assertThat(bytesNow(tenant)).as("bytes").isEqualTo(size(kept));
        quotas.release(scope); // and later, as a resumed removal would
        await(() -> saved(tenant).path("bytes").asLong(-1) == size(kept), "the usage saved: " + saved(tenant));
        assertThat(saved(tenant).path("documents").asLong()).isEqualTo(1);
        assertThat(documentsNow(tenant)).isEqualTo(1);
    }

    @Test
    void writesBeyondWritesPerSecondAre429WithRetryAfterAndReadsAreNotLimited() throws Exception {
        String tenant = uniqueTenant();
        String doc = "/v1/tenants/" + tenant + "/docs/rated";
        setQuota(tenant, "{\"writesPerSecond\":1}").then().statusCode(200);
        List<Integer> statuses = new ArrayList<>();
        Response refused = null;
        // a burst of one second's worth (one write) passes, the next within that second is refused
        for (int i = 0; i < 20 && refused == null; i++) {
            Response r = as(tenant, "writer").contentType("application/json").body("{\"document\":{\"n\":" + i + "}}")
                    .post(doc + "/replicas/alice/commits");
            statuses.add(r.statusCode());
            if (r.statusCode() == 429) {
                refused = r;
            }
        }
        assertThat(statuses).first().isEqualTo(201);
        assertThat(refused).as("statuses " + statuses).isNotNull();
        assertThat(statuses).containsOnly(201, 429);
        refused.then().contentType("application/problem+json").body("type", containsString("quota-writes-per-second"))
                .body("limit", equalTo("writesPerSecond")).body("detail", containsString("writesPerSecond"));
        int retryAfter = Integer.parseInt(refused.header("Retry-After"));
        assertThat(retryAfter).isBetween(1, 2);
        // a refused write wrote nothing: the replica holds exactly the accepted commits
        long accepted = statuses.stream().filter(s -> s == 201).count();
        JsonNode log = JSON.readTree(as(tenant, "reader").get(doc + "/replicas/alice/log").then().statusCode(200).extract().asString());
        assertThat(log.size()).isEqualTo((int) accepted);
        // reads and the usage are not writes
        for (int i = 0; i < 10; i++) {
            as(tenant, "reader").get(doc + "/replicas/alice/document").then().statusCode(200);
            as(tenant, "reader").get("/v1/tenants/{t}/usage", tenant).then().statusCode(200);
        }
        // another tenant's writes are not affected
        String other = uniqueTenant();
        as(other, "writer").contentType("application/json").body("{\"compression\":\"none\"}").put("/v1/tenants/{t}/docs/x", other)
                .then().statusCode(201);
        Thread.sleep(retryAfter * 1000L);
        as(tenant, "writer").contentType("application/json").body("{\"document\":{\"n\":\"after\"}}")
                .post(doc + "/replicas/alice/commits").then().statusCode(201);
    }

    @Test
    void usageIsSavedInTheBucketAndAddsToWhatAnotherInstanceSaved() throws Exception {
        String tenant = uniqueTenant();
        String doc = Fixtures.uniqueDoc();
        // another instance saved its changes first (the same object, written as Quotas writes it)
        s3.putObject(b -> b.bucket(s3Config.bucket()).key("tenants/" + tenant + "/quota/usage.json"),
                RequestBody.fromString("{\"bytes\":100000,\"documents\":7}"));
        MemoryStorage local = Fixtures.localReplica("{\"title\":\"shared\"}");
        for (String key : Fixtures.uploadOrder(local)) {
            upload(tenant, doc, "alice", local, key).then().statusCode(201);
        }
        assertThat(usage(tenant).get("bytes").asLong()).isEqualTo(100000 + size(local));
        assertThat(usage(tenant).get("documents").asLong()).isEqualTo(8);
        await(() -> saved(tenant).path("bytes").asLong() == 100000 + size(local) && saved(tenant).path("documents").asLong() == 8,
                "this instance's changes folded into the saved usage");
        // the document is counted once, whichever instance writes it first: its marker is written once
        assertThat(keys("tenants/" + tenant + "/quota/docs/")).containsExactly("tenants/" + tenant + "/quota/docs/" + doc);
        // and the gauges (bounded: at most meldtown.quotas.metrics.max-tenants tenants per instance)
        String metrics = RestAssured.get("/q/metrics").asString();
        assertThat(metrics).contains("meldtown_quota_usage_bytes{tenant=\"" + tenant + "\"}");
        assertThat(metrics).contains("meldtown_quota_usage_documents{tenant=\"" + tenant + "\"} 8.0");
    }

    @Test
    void aFlateDocumentIsChargedWhatTheBucketStores() throws Exception {
        String tenant = uniqueTenant();
        String doc = Fixtures.uniqueDoc();
        as(tenant, "writer").contentType("application/json").body("{\"compression\":\"flate\"}").put("/v1/tenants/{t}/docs/{d}", tenant, doc)
                .then().statusCode(201);
        MemoryStorage local = Fixtures.localReplica("{\"title\":\"" + "compressible ".repeat(200) + "\"}");
        for (String key : Fixtures.uploadOrder(local)) {
            upload(tenant, doc, "alice", local, key).then().statusCode(201);
        }
        long stored = s3.listObjectsV2Paginator(b -> b.bucket(s3Config.bucket()).prefix("tenants/" + tenant + "/docs/" + doc + "/replicas/"))
                .contents().stream().mapToLong(o -> o.size()).sum();
        assertThat(stored).as("flate stores less than the files' size").isLessThan(size(local));
        assertThat(usage(tenant).get("bytes").asLong()).isEqualTo(stored);
        assertThat(usage(tenant).get("documents").asLong()).isEqualTo(1);
    }

    @Test
    void aDeletedTenantsUsageAndQuotaAre410() {
        String tenant = uniqueTenant();
        as(tenant, "writer").contentType("application/json").body("{\"compression\":\"none\"}").put("/v1/tenants/{t}/docs/d", tenant)
                .then().statusCode(201);
        as(tenant, "admin").delete("/v1/tenants/{t}", tenant).then().statusCode(202);
        as(tenant, "reader").get("/v1/tenants/{t}/usage", tenant).then().statusCode(410).contentType("application/problem+json");
        setQuota(tenant, "{\"maxBytes\":1}").then().statusCode(410).contentType("application/problem+json");
    }

    private long bytesNow(String tenant) {
        try {
            return usage(tenant).get("bytes").asLong();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private long documentsNow(String tenant) {
        try {
            return usage(tenant).get("documents").asLong();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private JsonNode saved(String tenant) {
        try {
            return JSON.readTree(s3.getObjectAsBytes(b -> b.bucket(s3Config.bucket()).key("tenants/" + tenant + "/quota/usage.json")).asByteArray());
        } catch (NoSuchKeyException e) {
            return JSON.createObjectNode();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return;
            }
            Thread.sleep(200);
        }
        assertThat(condition.getAsBoolean()).as(what).isTrue();
    }

    private List<String> keys(String prefix) {
        return s3.listObjectsV2Paginator(b -> b.bucket(s3Config.bucket()).prefix(prefix)).contents().stream().map(o -> o.key()).toList();
    }
}
