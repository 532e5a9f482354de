package dev.meldtown.service;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Map;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Ready only when the bucket answers a signed HeadBucket: proves endpoint, credentials and bucket. Checked in the
 * background every 2 s with a 1.5 s call timeout ({@link CachedProbe}): a health request never waits for S3.
 */
@Readiness
@ApplicationScoped
public class S3ReadinessCheck implements HealthCheck {
    static final Duration TIMEOUT = Duration.ofMillis(1500);
    private final CachedProbe probe;

    @Inject
    public S3ReadinessCheck(S3Client s3, S3Config config) {
        this.probe = new CachedProbe("S3 bucket " + config.bucket(), () -> {
            s3.headBucket(b -> b.bucket(config.bucket()).overrideConfiguration(o -> o.apiCallTimeout(TIMEOUT)));
            return Map.of("endpoint", config.endpoint());
        }, Duration.ofSeconds(2), Duration.ofMillis(1800));
    }

    @Override
    public HealthCheckResponse call() {
        return probe.response();
    }

    @PreDestroy
    void close() {
        probe.close();
    }
}
