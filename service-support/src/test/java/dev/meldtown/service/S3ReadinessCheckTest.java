package dev.meldtown.service;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meldtown.testkit.junit.S3Extension;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class S3ReadinessCheckTest {
    @RegisterExtension
    static S3Extension s3 = new S3Extension();

    record Config(String endpoint, String bucket, String accessKey, String secretKey, String region) implements S3Config {
    }

    private static HealthCheckResponse check(Config config) {
        try (var client = S3ClientProducer.create(config)) {
            return new S3ReadinessCheck(client, config).call();
        }
    }

    @Test
    void upWithTheRightCredentialsAndBucket() {
        var server = s3.server();
        var response = check(new Config(server.endpoint().toString(), server.bucket(), server.accessKey(), server.secretKey(), "us-east-1"));
        assertThat(response.getStatus()).isEqualTo(HealthCheckResponse.Status.UP);
    }

    @Test
    void downWithAWrongSecretAMissingBucketOrNoServer() {
        var server = s3.server();
        String endpoint = server.endpoint().toString();
        assertThat(check(new Config(endpoint, server.bucket(), server.accessKey(), "wrong", "us-east-1")).getStatus())
                .isEqualTo(HealthCheckResponse.Status.DOWN);
        assertThat(check(new Config(endpoint, "no-such-bucket", server.accessKey(), server.secretKey(), "us-east-1")).getStatus())
                .isEqualTo(HealthCheckResponse.Status.DOWN);
        int closed = dev.meldtown.testkit.Ports.free();
        assertThat(check(new Config("http://127.0.0.1:" + closed, server.bucket(), server.accessKey(), server.secretKey(), "us-east-1")).getStatus())
                .isEqualTo(HealthCheckResponse.Status.DOWN);
    }
}
