package dev.meldtown.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.meldtown.crdt.ReplicaStorage;
import dev.meldtown.crdt.ByteStorageConformanceTest;
import dev.meldtown.crdt.StorageException;
import dev.meldtown.testkit.junit.S3Extension;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/** The shared storage contract against a real S3 server, plus what is specific to S3. */
class S3StorageTest extends ByteStorageConformanceTest {
    @RegisterExtension
    static S3Extension s3 = new S3Extension();
    static S3Client client;
    private String prefix;

    @BeforeAll
    static void client() {
        client = s3.server().client();
    }

    @AfterAll
    static void closeClient() {
        client.close();
    }

    @Override
    protected ReplicaStorage newStorage() {
        prefix = "tenants/t/docs/d/replicas/" + UUID.randomUUID();
        return new S3Storage(client, s3.server().bucket(), prefix);
    }

    @Override
    protected ReplicaStorage reopen(ReplicaStorage storage) {
        return new S3Storage(s3.server().client(), s3.server().bucket(), ((S3Storage) storage).prefix());
    }

    @Test
    void usesMeldasTwoCharacterLayoutUnderThePrefix() {
        storage.write(H1 + ".delta", "x".getBytes(StandardCharsets.UTF_8));
        String expected = prefix + "/a1/" + H1 + ".delta";
        assertThat(client.getObjectAsBytes(b -> b.bucket(s3.server().bucket()).key(expected)).asUtf8String()).isEqualTo("x");
    }

    @Test
    void foreignObjectsUnderThePrefixAreIgnoredByListing() {
        storage.write(H1 + ".delta", new byte[] {1});
        for (String foreign : new String[] {"README", "zz/" + H1 + ".delta", "a1/b1/" + H1 + ".delta", "checkpoints/x.delta"}) {
            client.putObject(b -> b.bucket(s3.server().bucket()).key(prefix + "/" + foreign), RequestBody.fromString("f"));
        }
        assertThat(storage.list(".delta")).containsExactly(H1);
    }

    @Test
    void listingPagesThroughEveryPage() {
        for (int i = 0; i < 25; i++) {
            String key = String.format("%064x", i) + ".pack";
            client.putObject(b -> b.bucket(s3.server().bucket()).key(prefix + "/" + key.substring(0, 2) + "/" + key), RequestBody.fromBytes(new byte[0]));
        }
        assertThat(((S3Storage) storage).pageSize(10).list(".pack")).hasSize(25).isSorted()
                .contains(String.format("%064x", 0), String.format("%064x", 24));
    }

    @Test
    void aRangePastTheEndIsAnError() {
        storage.write(H2 + ".pack", "0123456789".getBytes(StandardCharsets.UTF_8));
        assertThat(new String(storage.read(H2 + ".pack", 2, 3), StandardCharsets.UTF_8)).isEqualTo("234");
        assertThatThrownBy(() -> storage.read(H2 + ".pack", 8, 5)).isInstanceOf(StorageException.class);
    }

    @Test
    void aWrongSecretIsAStorageErrorNotAMissingKey() {
        try (S3Client wrong = s3.server().client(s3.server().accessKey(), "wrong")) {
            var bad = new S3Storage(wrong, s3.server().bucket(), prefix);
            assertThatThrownBy(() -> bad.write(H1 + ".pack", new byte[] {1})).isInstanceOf(StorageException.class).hasMessageContaining("403");
        }
        assertThat(storage.exists(H1 + ".pack")).isFalse();
    }

    /** Issue 10 item 12: an S3 failure is one short readable line, not the SDK's 1,500 characters. */
    @Test
    void failuresAreOneShortReadableLine() {
        try (S3Client wrong = s3.server().client(s3.server().accessKey(), "wrong")) {
            var bad = new S3Storage(wrong, s3.server().bucket(), prefix);
            assertThatThrownBy(() -> bad.list(".delta")).isInstanceOf(StorageException.class)
                    .satisfies(e -> assertShort(e.getMessage()))
                    .hasMessageStartingWith("S3 list of s3://" + s3.server().bucket() + "/" + prefix + " failed: ")
                    .hasMessageEndingWith("(HTTP 403)");
        }
        var noBucket = new S3Storage(client, "no-such-bucket-" + UUID.randomUUID().toString().substring(0, 8), prefix);
        assertThatThrownBy(() -> noBucket.read(H1 + ".pack")).isInstanceOf(StorageException.class)
                .satisfies(e -> assertShort(e.getMessage())).hasMessageContaining("NoSuchBucket").hasMessageEndingWith("(HTTP 404)");
        try (S3Client closed = S3Client.builder().endpointOverride(java.net.URI.create("http://127.0.0.1:1")).region(software.amazon.awssdk.regions.Region.US_EAST_1)
                .forcePathStyle(true).credentialsProvider(software.amazon.awssdk.auth.credentials.StaticCredentialsProvider.create(
                        software.amazon.awssdk.auth.credentials.AwsBasicCredentials.create("a", "b"))).build()) {
            assertThatThrownBy(() -> new S3Storage(closed, "b", "p").list(".delta")).isInstanceOf(StorageException.class)
                    .satisfies(e -> assertShort(e.getMessage())).hasMessageContaining("cannot connect to the S3 endpoint");
        }
        String huge = "x".repeat(2000) + ". more";
        assertThat(S3Storage.describe(software.amazon.awssdk.core.exception.SdkClientException.create(huge))).hasSize(S3Storage.MAX_REASON);
        assertThat(S3Storage.describe(software.amazon.awssdk.core.exception.SdkClientException.create(
                "Unable to load credentials from any of the providers in the chain AwsCredentialsProviderChain(...)")))
                .isEqualTo("no AWS credentials (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)");
    }

    private static void assertShort(String message) {
        assertThat(message).doesNotContain("\n").hasSizeLessThan(300);
    }

    /**
     * The SDK retries a PUT whose answer was lost after S3 stored it; the retry meets the stored object (412). Only a
     * write id tells "my own first attempt" (new) from "an identical earlier write" (not new): comparing the bytes
     * cannot, since a re-upload carries the same bytes.
     */
    @Test
    void aRetriedWriteKnowsItsOwnFirstAttemptFromAnEarlierWriteOfTheSameBytes() {
        byte[] bytes = "first".getBytes(StandardCharsets.UTF_8);
        try (S3Client losing = clientLosingTheFirstPutAnswer()) {
            ReplicaStorage retried = new S3Storage(losing, s3.server().bucket(), prefix);
            assertThat(retried.write(H1 + ".delta", bytes)).as("stored by the first attempt, answered after the retry").isTrue();
            assertThat(storage.read(H1 + ".delta")).isEqualTo(bytes);
        }
        assertThat(storage.write(H2 + ".delta", bytes)).isTrue();
        try (S3Client losing = clientLosingTheFirstPutAnswer()) {
            ReplicaStorage retried = new S3Storage(losing, s3.server().bucket(), prefix);
            assertThat(retried.write(H2 + ".delta", bytes)).as("the same bytes were there before: not new").isFalse();
        }
    }

    /** A client whose first PUT reaches S3 and is carried out, but whose answer is lost (the SDK then retries). */
    private static S3Client clientLosingTheFirstPutAnswer() {
        var real = software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient.create();
        var lost = new java.util.concurrent.atomic.AtomicBoolean();
        var http = new software.amazon.awssdk.http.SdkHttpClient() {
            @Override
            public software.amazon.awssdk.http.ExecutableHttpRequest prepareRequest(software.amazon.awssdk.http.HttpExecuteRequest request) {
                var call = real.prepareRequest(request);
                if (request.httpRequest().method() != software.amazon.awssdk.http.SdkHttpMethod.PUT || lost.getAndSet(true)) {
                    return call;
                }
                return new software.amazon.awssdk.http.ExecutableHttpRequest() {
                    @Override
                    public software.amazon.awssdk.http.HttpExecuteResponse call() throws java.io.IOException {
                        var answer = call.call();
                        if (answer.responseBody().isPresent()) {
                            answer.responseBody().get().close();
                        }
                        throw new java.io.IOException("connection reset before the answer (simulated)");
                    }

                    @Override
                    public void abort() {
                        call.abort();
                    }
                };
            }

            @Override
            public void close() {
                real.close();
            }
        };
        var server = s3.server();
        return S3Client.builder()
                .endpointOverride(server.endpoint())
                .region(software.amazon.awssdk.regions.Region.US_EAST_1)
                .forcePathStyle(true)
                .credentialsProvider(software.amazon.awssdk.auth.credentials.StaticCredentialsProvider.create(
                        software.amazon.awssdk.auth.credentials.AwsBasicCredentials.create(server.accessKey(), server.secretKey())))
                .httpClient(http)
                .build();
    }
}
