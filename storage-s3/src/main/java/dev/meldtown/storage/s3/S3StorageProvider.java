package dev.meldtown.storage.s3;

import dev.meldtown.crdt.InvalidUrlException;
import dev.meldtown.crdt.ReplicaStorage;
import dev.meldtown.crdt.StorageProvider;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.core.retry.RetryMode;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;

/**
 * {@code s3://bucket/prefix} (and, through the CRDT library, {@code s3+flate://…}). Credentials, region and
 * endpoint come from the standard AWS environment: {@code AWS_ACCESS_KEY_ID}, {@code AWS_SECRET_ACCESS_KEY},
 * {@code AWS_REGION} (default us-east-1) and {@code AWS_ENDPOINT_URL_S3} or {@code AWS_ENDPOINT_URL} for an
 * S3-compatible server, which is then addressed path-style.
 */
public final class S3StorageProvider implements StorageProvider {
    private final Map<String, String> env;

    public S3StorageProvider() {
        this(System.getenv());
    }

    /** A provider that reads the AWS settings from {@code env} instead of the process environment (credentials still come from the default chain). */
    public S3StorageProvider(Map<String, String> env) {
        this.env = env;
    }

    @Override
    public Set<String> schemes() {
        return Set.of("s3");
    }

    @Override
    public ReplicaStorage open(URI url) {
        String bucket = url.getHost();
        if (bucket == null || bucket.isEmpty()) {
            throw new InvalidUrlException("s3 URL needs a bucket: s3://bucket/prefix, got " + url);
        }
        String prefix = url.getPath() == null ? "" : url.getPath();
        return new S3Storage(client(), bucket, prefix, true);
    }

    /** A client from the standard AWS environment, retrying 5xx and throttling with backoff. */
    public S3Client client() {
        S3ClientBuilder builder = S3Client.builder()
                .region(Region.of(env.getOrDefault("AWS_REGION", env.getOrDefault("AWS_DEFAULT_REGION", "us-east-1"))))
                .credentialsProvider(DefaultCredentialsProvider.builder().build())
                .httpClient(ApacheHttpClient.builder().connectionTimeout(Duration.ofSeconds(5)).socketTimeout(Duration.ofSeconds(60)).build())
                .overrideConfiguration(o -> o.retryStrategy(RetryMode.STANDARD));
        String endpoint = env.getOrDefault("AWS_ENDPOINT_URL_S3", env.get("AWS_ENDPOINT_URL"));
        if (endpoint != null && !endpoint.isBlank()) {
            builder.endpointOverride(URI.create(endpoint)).forcePathStyle(true);
        }
        return builder.build();
    }
}
