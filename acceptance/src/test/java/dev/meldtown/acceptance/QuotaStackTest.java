package dev.meldtown.acceptance;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Issue 14 item 4 on the packaged stack ({@code bin/stack up} with a deployment-wide default of two documents per
 * tenant): each limit refuses the write that would cross it, before anything is written (413 {@code quota-documents},
 * 413 {@code quota-bytes}, 429 {@code quota-writes-per-second} with {@code Retry-After}); only an operator's token
 * ({@code bin/stack token T operator}) changes a tenant's limits; deletions give usage back; and with a second
 * block-store instance sharing the bucket, both instances' writes add up: the saved usage equals what a full listing
 * of the tenant's replica files counts (one replica per document: the merge-service's copies between replicas are not
 * charged), and a deleted replica gives back exactly what it was charged.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class QuotaStackTest {
    static final String TENANT = "quota";

    @TempDir
    static Path dir;
    static LocalStack stack;
    static S3Client s3;
    static String writer;
    static String admin;
    static String operator;
    static String hub;

    @BeforeAll
    static void up() throws Exception {
        stack = LocalStack.up(dir.resolve("stack"), Map.of("MELDTOWN_QUOTA_MAX_DOCUMENTS", "2"));
        assertThat(stack.upExitCode).as(stack.upOutput).isZero();
        writer = stack.token(TENANT, "writer");
        admin = stack.token(TENANT, "admin");
        operator = stack.token("deployment", "operator"); // any tenant claim: an operator's token is valid for all
        hub = stack.get("BLOCK_STORE_URL");
        s3 = S3Client.builder().endpointOverride(URI.create(stack.get("S3_ENDPOINT"))).region(Region.US_EAST_1).forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(stack.get("S3_ACCESS_KEY"), stack.get("S3_SECRET_KEY"))))
                .httpClient(UrlConnectionHttpClient.create()).build();
    }

    @AfterAll
    static void down() throws Exception {
        if (s3 != null) {
            s3.close();
        }
        if (stack != null) {
            stack.down();
        }
    }

    static String docs(String base) {
        return base + "/v1/tenants/" + TENANT + "/docs/";
    }

    static HttpResponse<String> commit(String base, String doc, String replica, Object document) throws Exception {
        return LocalStack.post(docs(base) + doc + "/replicas/" + replica + "/commits", writer,
                Map.of("document", document, "author", "t", "description", "quota"));
    }

    static JsonNode usage(String base) throws Exception {
        return LocalStack.getJson(base + "/v1/tenants/" + TENANT + "/usage", writer);
    }

    static HttpResponse<String> setQuota(String token, Map<String, Object> limits) throws Exception {
        return LocalStack.send("PUT", hub + "/v1/tenants/" + TENANT + "/quota", token, limits);
    }

    static JsonNode problem(HttpResponse<String> r) throws Exception {
        assertThat(r.headers().firstValue("Content-Type").orElse("")).as(r.body()).startsWith("application/problem+json");
        return LocalStack.JSON.readTree(r.body());
    }

    /** The tenant's replica files in the bucket, but the merge-service's hub replica (which quotas do not count). */
    static List<S3Object> replicaFiles() {
        return s3.listObjectsV2Paginator(b -> b.bucket(stack.get("S3_BUCKET")).prefix("tenants/" + TENANT + "/docs/")).contents().stream()
                .filter(o -> o.key().matches("tenants/[^/]+/docs/[^/]+/replicas/(?!hub/)[^/]+/[^/]{2}/[^/]+")).toList();
    }

    @Test
    @Order(1)
    void theDeploymentDefaultLimitsDocumentsAndOnlyAnOperatorLiftsIt() throws Exception {
        JsonNode fresh = usage(hub);
        assertThat(fresh.get("limits").get("maxDocuments").asLong()).as("MELDTOWN_QUOTA_MAX_DOCUMENTS").isEqualTo(2);
        assertThat(fresh.get("overridden").asBoolean()).isFalse();
        assertThat(commit(hub, "one", "alice", Map.of("title", "one")).statusCode()).isEqualTo(201);
        assertThat(commit(hub, "two", "alice", Map.of("title", "two")).statusCode()).isEqualTo(201);
        HttpResponse<String> third = commit(hub, "three", "alice", Map.of("title", "three"));
        assertThat(third.statusCode()).as(third.body()).isEqualTo(413);
        JsonNode p = problem(third);
        assertThat(p.get("type").asText()).endsWith("quota-documents");
        assertThat(p.get("limit").asText()).isEqualTo("maxDocuments");
        assertThat(p.get("detail").asText()).contains("maxDocuments");
        assertThat(s3.listObjectsV2(b -> b.bucket(stack.get("S3_BUCKET")).prefix("tenants/" + TENANT + "/docs/three/")).contents())
                .as("nothing of document three was written").isEmpty();

        // the tenant's own admin cannot lift its limits; the deployment's operator can
        HttpResponse<String> byAdmin = setQuota(admin, Map.of("maxDocuments", 10));
        assertThat(byAdmin.statusCode()).as(byAdmin.body()).isEqualTo(403);
        assertThat(problem(byAdmin).get("detail").asText()).contains("operator");
        HttpResponse<String> byOperator = setQuota(operator, Map.of("maxDocuments", 3));
        assertThat(byOperator.statusCode()).as(byOperator.body()).isEqualTo(200);
        assertThat(LocalStack.JSON.readTree(byOperator.body()).get("overridden").asBoolean()).isTrue();
        assertThat(commit(hub, "three", "alice", Map.of("title", "three")).statusCode()).isEqualTo(201);
        assertThat(usage(hub).get("documents").asLong()).isEqualTo(3);
    }

    @Test
    @Order(2)
    void atMaxBytesAWriteIs413AndNothingStoredIsLostOrHalfWritten() throws Exception {
        long used = usage(hub).get("bytes").asLong();
        assertThat(used).as("the stored bytes of the commits so far").isPositive();
        assertThat(setQuota(operator, Map.of("maxDocuments", 3, "maxBytes", used)).statusCode()).isEqualTo(200);
        List<String> before = replicaFiles().stream().map(S3Object::key).toList();
        HttpResponse<String> refused = commit(hub, "one", "alice", Map.of("title", "one, longer"));
        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(413);
        assertThat(problem(refused).get("type").asText()).endsWith("quota-bytes");
        assertThat(problem(refused).get("limit").asText()).isEqualTo("maxBytes");
        assertThat(replicaFiles().stream().map(S3Object::key).toList()).as("no file written").isEqualTo(before);
        JsonNode doc = LocalStack.getJson(docs(hub) + "one/replicas/alice/document", writer);
        assertThat(doc.get("title").asText()).as("the stored document is intact").isEqualTo("one");
        assertThat(usage(hub).get("bytes").asLong()).isEqualTo(used);
        // lifted again: the same write goes through
        assertThat(setQuota(operator, Map.of("maxDocuments", 3)).statusCode()).isEqualTo(200);
        assertThat(commit(hub, "one", "alice", Map.of("title", "one, longer")).statusCode()).isEqualTo(201);
    }

    @Test
    @Order(3)
    void beyondWritesPerSecondAWriteIs429WithRetryAfter() throws Exception {
        assertThat(setQuota(operator, Map.of("maxDocuments", 3, "writesPerSecond", 1)).statusCode()).isEqualTo(200);
        List<Integer> statuses = new ArrayList<>();
        HttpResponse<String> refused = null;
        for (int i = 0; i < 20 && refused == null; i++) {
            HttpResponse<String> r = commit(hub, "two", "alice", Map.of("title", "two", "n", i));
            statuses.add(r.statusCode());
            if (r.statusCode() == 429) {
                refused = r;
            }
        }
        assertThat(refused).as("statuses " + statuses).isNotNull();
        assertThat(statuses).containsOnly(201, 429);
        JsonNode p = problem(refused);
        assertThat(p.get("type").asText()).endsWith("quota-writes-per-second");
        assertThat(p.get("limit").asText()).isEqualTo("writesPerSecond");
        int retryAfter = Integer.parseInt(refused.headers().firstValue("Retry-After").orElseThrow());
        assertThat(retryAfter).isBetween(1, 2);
        // reads are not writes; after Retry-After the tenant writes again
        assertThat(LocalStack.get(docs(hub) + "two/replicas/alice/document", writer).statusCode()).isEqualTo(200);
        Thread.sleep(retryAfter * 1000L);
        assertThat(commit(hub, "two", "alice", Map.of("title", "two, later")).statusCode()).isEqualTo(201);
        assertThat(setQuota(operator, Map.of("maxDocuments", 3)).statusCode()).isEqualTo(200);
    }

    @Test
    @Order(4)
    void twoInstancesAddUpTheUsageEqualsTheBucketAndDeletionsGiveItBack() throws Exception {
        LocalStack.Instance second = stack.startInstance("block-store-service", 2);
        // the other instance counts the same documents: a new one is refused there too
        HttpResponse<String> fourth = commit(second.url(), "four", "alice", Map.of("title", "four"));
        assertThat(fourth.statusCode()).as(fourth.body()).isEqualTo(413);
        // each document has one replica of the tenant's (and the merge-service's hub, which is not charged), so what the
        // tenant's writes stored is exactly what its replicas hold
        for (int i = 0; i < 6; i++) {
            assertThat(commit(i % 2 == 0 ? hub : second.url(), i % 2 == 0 ? "three" : "two", "alice", Map.of("title", "n", "n", i))
                    .statusCode()).isEqualTo(201);
            // each instance's counts are saved before the other one writes: S3Proxy checks If-Match and then writes, so
            // two flushes at the same moment could both succeed and lose one's counts there (docs/quotas.md; S3 is atomic).
            // All of them: a commit stores its pack and its delta one after the other, and a flush between the two saves
            // only the pack's bytes (CI of 2026-12-04 waited for "more than before", and the delta's 367 bytes were lost)
            assertThat(LocalStack.await(Duration.ofSeconds(30), QuotaStackTest::savedMatchesBucket))
                    .as("commit %d saved: %s, bucket %d bytes", i, saved(), bucketBytes()).isTrue();
        }
        // both instances' counts are saved into one object and each sees the other's within a few seconds
        assertThat(LocalStack.await(Duration.ofSeconds(30), () -> savedMatchesBucket() && seesBucket(hub) && seesBucket(second.url())))
                .as("saved usage %s, usage %s and %s, bucket %d bytes", saved(), quietUsage(hub), quietUsage(second.url()), bucketBytes()).isTrue();
        long beforeBob = saved().path("bytes").asLong();
        // a second replica: its own commit is charged; the merge-service then copies alice's blocks into it (and bob's
        // into alice) to converge them, which is not charged
        assertThat(commit(second.url(), "three", "bob", Map.of("title", "bob's")).statusCode()).isEqualTo(201);
        assertThat(LocalStack.await(Duration.ofSeconds(30), () -> saved().path("bytes").asLong() > beforeBob))
                .as("bob's commit charged: saved %s", saved()).isTrue();
        String metrics = LocalStack.get(hub + "/q/metrics", null).body();
        assertThat(metrics).contains("meldtown_quota_usage_bytes{tenant=\"" + TENANT + "\"}")
                .contains("meldtown_quota_refusals_total{limit=\"documents\"}");

        // deleting a replica gives back what it was charged (not what it held: the copies were not charged), deleting a
        // document its place and bytes
        assertThat(LocalStack.send("DELETE", docs(hub) + "three/replicas/bob", admin, null).statusCode()).isEqualTo(202);
        assertThat(LocalStack.await(Duration.ofSeconds(60), () -> replicaFiles().stream().noneMatch(o -> o.key().contains("/bob/"))
                && saved().path("bytes").asLong() < beforeBob + 1))
                .as("bob's bytes given back: saved %s, before bob %d", saved(), beforeBob).isTrue();
        // bob's block stays in alice (melded into it), which was not charged for it: usage is what alice was charged
        assertThat(saved().path("bytes").asLong()).isEqualTo(beforeBob);
        long oneCharged = replicaFiles().stream().filter(o -> o.key().contains("/docs/one/")).mapToLong(S3Object::size).sum();
        assertThat(oneCharged).isPositive();
        assertThat(LocalStack.send("DELETE", docs(hub) + "one", admin, null).statusCode()).isEqualTo(202);
        assertThat(LocalStack.await(Duration.ofSeconds(60), () -> saved().path("documents").asLong() == 2
                && saved().path("bytes").asLong() == beforeBob - oneCharged
                && quietUsage(second.url()) != null && quietUsage(second.url()).path("documents").asLong() == 2))
                .as("document one's place and bytes given back: saved %s, bucket %d", saved(), bucketBytes()).isTrue();
        HttpResponse<String> four = commit(second.url(), "four", "alice", Map.of("title", "four"));
        assertThat(four.statusCode()).as(four.body()).isEqualTo(201);
    }

    static long bucketBytes() {
        return replicaFiles().stream().mapToLong(S3Object::size).sum();
    }

    static JsonNode saved() {
        try {
            return LocalStack.JSON.readTree(s3.getObjectAsBytes(b -> b.bucket(stack.get("S3_BUCKET")).key("tenants/" + TENANT + "/quota/usage.json")).asByteArray());
        } catch (Exception e) {
            return LocalStack.JSON.createObjectNode();
        }
    }

    static boolean savedMatchesBucket() {
        return saved().path("bytes").asLong(-1) == bucketBytes();
    }

    static boolean seesBucket(String base) {
        JsonNode u = quietUsage(base);
        return u != null && u.path("bytes").asLong(-1) == bucketBytes();
    }

    static JsonNode quietUsage(String base) {
        try {
            return usage(base);
        } catch (Exception e) {
            return null;
        }
    }
}
