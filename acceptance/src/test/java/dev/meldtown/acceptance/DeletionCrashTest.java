package dev.meldtown.acceptance;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.meldtown.events.EventType;
import dev.meldtown.events.Topics;
import dev.meldtown.testkit.EventsProbe;
import dev.meldtown.testkit.Processes;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

/**
 * Issue 14 on the packaged stack: the block-store-service is killed with SIGKILL in the middle of removing a large
 * document (thousands of objects, many DeleteObjects batches), {@code bin/stack up} restarts it, and the deletion
 * resumes from what the bucket holds: the document's prefix ends empty (listed in the real bucket), doc.deleted is
 * published, and the document answers 410.
 */
class DeletionCrashTest {
    static final int OBJECTS = 15_000;

    @TempDir
    static Path dir;
    static LocalStack stack;
    static S3Client s3;
    static String admin;

    @BeforeAll
    static void up() throws Exception {
        stack = LocalStack.up(dir.resolve("stack"));
        assertThat(stack.upExitCode).as(stack.upOutput).isZero();
        admin = stack.token("acme", "admin");
        s3 = S3Client.builder().endpointOverride(URI.create(stack.get("S3_ENDPOINT"))).region(Region.US_EAST_1).forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(stack.get("S3_ACCESS_KEY"), stack.get("S3_SECRET_KEY"))))
                .httpClient(ApacheHttpClient.builder().maxConnections(16).build()).build();
    }

    @AfterAll
    static void down() throws Exception {
        if (stack != null) {
            stack.down();
        }
    }

    @Test
    void aLargeDeletionKilledWithSigkillResumesAfterTheRestartAndEmptiesThePrefix() throws Exception {
        String doc = "big";
        String base = stack.get("BLOCK_STORE_URL") + "/v1/tenants/acme/docs/" + doc;
        String prefix = "tenants/acme/docs/" + doc + "/";
        HttpResponse<String> commit = LocalStack.post(base + "/replicas/alice/commits", admin,
                Map.of("document", Map.of("title", "to be deleted"), "author", "t", "description", "seed"));
        assertThat(commit.statusCode()).as(commit.body()).isEqualTo(201);
        HttpResponse<String> settings = put(base, "{\"compression\":\"none\",\"conflictPolicy\":\"keep\"}");
        assertThat(settings.statusCode()).as(settings.body()).isIn(200, 201);
        // a large replica: far more objects than one DeleteObjects request takes
        fill(prefix + "replicas/bulk/", OBJECTS);
        String last = prefix + "settings.json"; // sorts after every replica and checkpoint key: removed by the last batch
        String first = firstKey(prefix);
        assertThat(exists(last)).isTrue();

        HttpResponse<String> accepted = delete(base);
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        assertThat(LocalStack.get(base, admin).statusCode()).isEqualTo(410);

        // SIGKILL once the worker removed its first batch, while most of the document is still there
        long pid = Long.parseLong(Files.readString(stack.dir.resolve("run/block-store-service.pid")).trim());
        assertThat(LocalStack.await(Duration.ofMinutes(2), () -> !first.equals(firstKey(prefix))))
                .as("the removal started").isTrue();
        ProcessHandle service = ProcessHandle.of(pid).orElseThrow();
        assertThat(service.destroyForcibly()).isTrue();
        service.onExit().get(30, TimeUnit.SECONDS);
        assertThat(exists(last)).as("killed in the middle of the removal: its last batch is not done").isTrue();
        assertThat(firstKey(prefix)).as("objects are left").isNotNull();

        // bin/stack up restarts what is not running; the deletion resumes from the bucket
        Processes.Result up = stack.stack("up");
        assertThat(up.exitCode()).as(up.stdout() + up.stderr()).isZero();
        assertThat(up.stdout() + up.stderr()).contains("starting block-store-service");
        List<EventsProbe.Seen> events = EventsProbe.await(stack.kafkaClient(), Topics.BLOCKS,
                s -> EventType.DOC_DELETED.type().equals(s.type()) && doc.equals(s.data().path("doc").asText()), 1, Duration.ofMinutes(4));
        assertThat(events).as("doc.deleted after the restart").hasSize(1);
        assertThat(events.get(0).key()).isEqualTo("acme/" + doc);
        assertThat(firstKey(prefix)).as("the document's prefix in the real bucket").isNull();
        assertThat(firstKey("outbox/acme/" + doc + "/")).isNull();
        assertThat(firstKey("merge/outbox/acme/" + doc + "/")).isNull();
        JsonNode state = LocalStack.JSON.readTree(delete(base).body());
        assertThat(state.get("state").asText()).isEqualTo("done");
        assertThat(LocalStack.get(base + "/replicas/alice/document", admin).statusCode()).isEqualTo(410);
    }

    private static void fill(String under, int n) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                String key = under + String.format("%02x/%02x%062d.pack", i % 256, i % 256, i);
                done.add(pool.submit(() -> s3.putObject(b -> b.bucket(stack.get("S3_BUCKET")).key(key), RequestBody.fromString("x"))));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
    }

    private static String firstKey(String prefix) {
        var page = s3.listObjectsV2(b -> b.bucket(stack.get("S3_BUCKET")).prefix(prefix).maxKeys(1));
        return page.contents().isEmpty() ? null : page.contents().get(0).key();
    }

    private static boolean exists(String key) {
        try {
            s3.headObject(b -> b.bucket(stack.get("S3_BUCKET")).key(key));
            return true;
        } catch (NoSuchKeyException e) {
            return false;
        }
    }

    private static HttpResponse<String> delete(String url) throws Exception {
        return LocalStack.HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + admin).DELETE().build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> put(String url, String json) throws Exception {
        return LocalStack.HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + admin).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
