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
}
