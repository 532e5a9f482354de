package dev.meldtown.blockstore;

import static dev.meldtown.blockstore.Fixtures.as;
import static org.assertj.core.api.Assertions.assertThat;

import dev.meldtown.blockstore.internal.BlockAnnouncer;
import dev.meldtown.blockstore.internal.ScopeDeletions;
import dev.meldtown.service.S3Config;
import dev.meldtown.testkit.quarkus.KafkaTestResource;
import dev.meldtown.testkit.quarkus.S3TestResource;
import io.quarkus.scheduler.Scheduler;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Issue 11 item 7: a page of {@code GET …/files?startAfter=K&limit=N} costs one ListObjectsV2 request, whatever the
 * size of the replica (it listed the whole replica, two requests of 1,000 keys here, for every page).
 */
@QuarkusTest
@TestProfile(ListingPagesTest.LongTombstoneCache.class)
@QuarkusTestResource(value = KafkaTestResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = S3TestResource.class, restrictToAnnotatedClass = true)
class ListingPagesTest {
    /** A tenant's tombstones (issue 14) are listed once per cache period, not per page: here once, before counting. */
    public static class LongTombstoneCache implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("meldtown.deletions.cache", "PT1H");
        }
    }

    /** More than one S3 listing page (1,000 keys), so listing the whole replica costs at least two requests. */
    private static final int FILES = 1_005;

    @Inject
    S3Client s3;

    @Inject
    S3Config s3Config;

    @Inject
    Scheduler scheduler;

    @Test
    void eachPageOfALargeReplicaCostsOneListRequest() throws Exception {
        String doc = Fixtures.uniqueDoc();
        String prefix = "tenants/acme/docs/" + doc + "/replicas/big/";
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < FILES; i++) {
            keys.add(String.format("%016x", i * 0x9e3779b97f4a7c15L).repeat(4) + (i % 3 == 0 ? ".delta" : ".pack"));
        }
        keys.sort(null);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<?>> puts = new ArrayList<>();
            for (String key : keys) {
                puts.add(pool.submit(() -> s3.putObject(b -> b.bucket(s3Config.bucket()).key(prefix + key.substring(0, 2) + "/" + key),
                        RequestBody.fromString("x"))));
            }
            for (Future<?> f : puts) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        // The outbox sweeper and the deletion worker also list (outbox/, deletions/pending/): keep them out of the count.
        scheduler.pause(BlockAnnouncer.SWEEP_JOB);
        scheduler.pause(ScopeDeletions.JOB);
        try {
            Thread.sleep(500);
            String base = "/v1/tenants/acme/docs/" + doc + "/replicas/big/files";
            as("acme", "reader").queryParam("limit", 1).get(base).then().statusCode(200); // the tenant's tombstones, listed once
            double before = listRequests();
            List<String> read = new ArrayList<>();
            String next = null;
            int pages = 0;
            do {
                var request = as("acme", "reader").queryParam("limit", 100);
                if (next != null) {
                    request.queryParam("startAfter", next);
                }
                JsonPath page = request.get(base).then().statusCode(200).extract().jsonPath();
                read.addAll(page.getList("keys", String.class));
                next = page.getString("next");
                pages++;
            } while (next != null && pages < 3);
            assertThat(pages).isEqualTo(3);
            assertThat(read).containsExactlyElementsOf(keys.subList(0, 300));
            assertThat(listRequests() - before).as("ListObjectsV2 requests for 3 pages").isEqualTo(3.0);

            // A page from the middle, and the last page (no next), cost one request each as well.
            before = listRequests();
            JsonPath middle = as("acme", "reader").queryParam("limit", 5).queryParam("startAfter", keys.get(700)).get(base)
                    .then().statusCode(200).extract().jsonPath();
            assertThat(middle.getList("keys", String.class)).containsExactlyElementsOf(keys.subList(701, 706));
            assertThat(middle.getString("next")).isEqualTo(keys.get(705));
            JsonPath last = as("acme", "reader").queryParam("limit", 10).queryParam("startAfter", keys.get(FILES - 4)).get(base)
                    .then().statusCode(200).extract().jsonPath();
            assertThat(last.getList("keys", String.class)).containsExactlyElementsOf(keys.subList(FILES - 3, FILES));
            assertThat(last.getString("next")).isNull();
            assertThat(listRequests() - before).as("ListObjectsV2 requests for 2 pages").isEqualTo(2.0);
        } finally {
            scheduler.resume(BlockAnnouncer.SWEEP_JOB);
            scheduler.resume(ScopeDeletions.JOB);
        }
    }

    /** ListObjectsV2 requests this service made, from its own S3 metrics. */
    private static double listRequests() {
        return RestAssured.get("/q/metrics").asString().lines()
                .filter(l -> l.startsWith("meldtown_s3_operations_seconds_count{") && l.contains("operation=\"ListObjectsV2\""))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }
}
