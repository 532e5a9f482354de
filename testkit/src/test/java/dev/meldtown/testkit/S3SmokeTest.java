package dev.meldtown.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.meldtown.testkit.junit.S3Extension;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Exception;

class S3SmokeTest {
    @RegisterExtension
    static S3Extension s3 = new S3Extension();

    @Test
    void putThenGetWithSigV4ReturnsTheSameBytes() {
        try (S3Client client = s3.server().client()) {
            client.putObject(b -> b.bucket(s3.server().bucket()).key("tenants/a/x"), RequestBody.fromString("hello", StandardCharsets.UTF_8));
            String body = client.getObjectAsBytes(b -> b.bucket(s3.server().bucket()).key("tenants/a/x")).asUtf8String();
            assertThat(body).isEqualTo("hello");
            String range = client.getObjectAsBytes(b -> b.bucket(s3.server().bucket()).key("tenants/a/x").range("bytes=1-3")).asUtf8String();
            assertThat(range).isEqualTo("ell");
        }
    }

    @Test
    void wrongSecretIsRefused() {
        try (S3Client client = s3.server().client(s3.server().accessKey(), "not-the-secret")) {
            assertThatThrownBy(() -> client.putObject(b -> b.bucket(s3.server().bucket()).key("nope"), RequestBody.fromString("x")))
                    .isInstanceOfSatisfying(S3Exception.class, e -> assertThat(e.statusCode()).isEqualTo(403));
        }
        try (S3Client client = s3.server().client()) {
            assertThat(client.listObjectsV2(b -> b.bucket(s3.server().bucket()).prefix("nope")).contents()).isEmpty();
        }
    }

    @Test
    void ifNoneMatchStarMakesTheSecondWriteFailWith412AndKeepsTheFirst() {
        try (S3Client client = s3.server().client()) {
            client.putObject(b -> b.bucket(s3.server().bucket()).key("once").ifNoneMatch("*"), RequestBody.fromString("first"));
            assertThatThrownBy(() -> client.putObject(b -> b.bucket(s3.server().bucket()).key("once").ifNoneMatch("*"), RequestBody.fromString("second")))
                    .isInstanceOfSatisfying(S3Exception.class, e -> assertThat(e.statusCode()).isEqualTo(412));
            assertThat(client.getObjectAsBytes(b -> b.bucket(s3.server().bucket()).key("once")).asUtf8String()).isEqualTo("first");
        }
    }

    /**
     * What the services' once-only claims rest on (block-log entries, the quota give-back's mark): of writers racing for
     * one key with {@code If-None-Match: *}, exactly one wins, on S3Proxy as on S3. (S3Proxy's {@code If-Match} is not
     * atomic: it checks, then writes; docs/quotas.md.)
     */
    @Test
    void ofConcurrentIfNoneMatchStarWritesToOneKeyExactlyOneWins() throws Exception {
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(8);
        try (S3Client client = s3.server().client()) {
            for (int round = 0; round < 10; round++) {
                String key = "claims/race-" + round;
                java.util.concurrent.CountDownLatch start = new java.util.concurrent.CountDownLatch(1);
                java.util.List<java.util.concurrent.Future<Boolean>> writers = new java.util.ArrayList<>();
                for (int w = 0; w < 16; w++) {
                    String body = "writer " + w;
                    writers.add(pool.submit(() -> {
                        start.await();
                        try {
                            client.putObject(b -> b.bucket(s3.server().bucket()).key(key).ifNoneMatch("*"), RequestBody.fromString(body));
                            return true;
                        } catch (S3Exception e) {
                            if (e.statusCode() == 412 || e.statusCode() == 409) {
                                return false;
                            }
                            throw e;
                        }
                    }));
                }
                start.countDown();
                int won = 0;
                for (java.util.concurrent.Future<Boolean> f : writers) {
                    won += f.get() ? 1 : 0;
                }
                assertThat(won).as("writers that won round %d", round).isEqualTo(1);
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
