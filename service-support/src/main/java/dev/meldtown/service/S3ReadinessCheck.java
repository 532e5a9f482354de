package dev.meldtown.service;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;
import software.amazon.awssdk.services.s3.S3Client;

/** Ready only when the bucket answers a signed HeadBucket: proves endpoint, credentials and bucket. */
@Readiness
@ApplicationScoped
public class S3ReadinessCheck implements HealthCheck {
    private final S3Client s3;
    private final S3Config config;

    @Inject
    public S3ReadinessCheck(S3Client s3, S3Config config) {
        this.s3 = s3;
        this.config = config;
    }

    @Override
    public HealthCheckResponse call() {
        var response = HealthCheckResponse.named("S3 bucket " + config.bucket()).withData("endpoint", config.endpoint());
        try {
            s3.headBucket(b -> b.bucket(config.bucket()));
            return response.up().build();
        } catch (RuntimeException e) {
            return response.down().withData("error", String.valueOf(e.getMessage())).build();
        }
    }
}
