package dev.meldtown.service;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import java.net.URI;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/** The raw AWS SDK v2 client behind a CDI producer (the Quarkiverse extension does not resolve here). */
@ApplicationScoped
public class S3ClientProducer {
    /** The longest an S3 server may stay silent during one attempt (connecting has its own 5 s). */
    static final java.time.Duration SOCKET_TIMEOUT = java.time.Duration.ofSeconds(10);

    @Produces
    @ApplicationScoped
    S3Client s3Client(S3Config config, io.micrometer.core.instrument.MeterRegistry registry) {
        return builder(config)
                // A server that accepts connections and never answers (a paused S3) ends in a timeout, hence a 503
                // (Outages), after three attempts of at most SOCKET_TIMEOUT each (about 30 s). The socket's own read
                // timeout bounds an attempt: the SDK's apiCallTimeout and apiCallAttemptTimeout would schedule two
                // timer tasks per request on a scheduler thread that wakes for each (4% of block-store's CPU under PUTs,
                // async-profiler, 2026-12-04).
                .overrideConfiguration(o -> o.retryStrategy(software.amazon.awssdk.core.retry.RetryMode.STANDARD)
                        .addExecutionInterceptor(new S3Metrics(registry))
                        .addExecutionInterceptor(dev.meldtown.service.tracing.S3Tracing.interceptor()))
                .build();
    }

    void close(@Disposes S3Client client) {
        client.close();
    }

    public static S3Client create(S3Config config) {
        return builder(config).overrideConfiguration(o -> o.addExecutionInterceptor(dev.meldtown.service.tracing.S3Tracing.interceptor())).build();
    }

    private static software.amazon.awssdk.services.s3.S3ClientBuilder builder(S3Config config) {
        return S3Client.builder()
                .endpointOverride(URI.create(config.endpoint()))
                .region(Region.of(config.region()))
                .forcePathStyle(true)
                // Every Melda file is content-addressed and verified against its SHA-256 name by us, and SigV4 signs
                // the payload's hash: the SDK's extra CRC trailers (aws-chunked encoding) and response checksums
                // only cost CPU. Small bodies also skip "Expect: 100-continue", a round trip per upload.
                .requestChecksumCalculation(software.amazon.awssdk.core.checksums.RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(software.amazon.awssdk.core.checksums.ResponseChecksumValidation.WHEN_REQUIRED)
                .serviceConfiguration(software.amazon.awssdk.services.s3.S3Configuration.builder()
                        .expectContinueThresholdInBytes(1024L * 1024).build())
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(config.accessKey(), config.secretKey())))
                // Apache's client: the URL-connection one mishandles PutObject's "Expect: 100-continue" under load.
                .httpClient(ApacheHttpClient.builder()
                        .connectionTimeout(java.time.Duration.ofSeconds(5))
                        .socketTimeout(SOCKET_TIMEOUT)
                        .maxConnections(64)
                        .build());
    }
}
