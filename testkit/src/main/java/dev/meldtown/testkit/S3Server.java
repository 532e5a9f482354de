package dev.meldtown.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.gaul.s3proxy.BlobStores;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A real S3 server (S3Proxy over a temporary filesystem store) inside the test JVM, on 127.0.0.1,
 * verifying SigV4 credentials. Not a mock: conditional writes, ranges and listing are S3Proxy's own.
 */
public final class S3Server implements AutoCloseable {
    public static final String DEFAULT_ACCESS_KEY = "meldtown-test";
    public static final String DEFAULT_SECRET_KEY = "meldtown-test-secret";
    public static final String DEFAULT_BUCKET = "meldtown";

    private final S3Proxy proxy;
    private final Path dir;
    private final String accessKey;
    private final String secretKey;
    private final String bucket;

    private S3Server(S3Proxy proxy, Path dir, String accessKey, String secretKey, String bucket) {
        this.proxy = proxy;
        this.dir = dir;
        this.accessKey = accessKey;
        this.secretKey = secretKey;
        this.bucket = bucket;
    }

    public static S3Server start() {
        return start(DEFAULT_ACCESS_KEY, DEFAULT_SECRET_KEY, DEFAULT_BUCKET);
    }

    public static S3Server start(String accessKey, String secretKey, String bucket) {
        try {
            Path dir = Files.createTempDirectory("meldtown-s3-");
            Properties props = new Properties();
            props.setProperty("jclouds.filesystem.basedir", dir.toString());
            S3Proxy proxy = S3Proxy.builder()
                    .blobStore(BlobStores.create("filesystem", props))
                    .endpoint(URI.create("http://127.0.0.1:0"))
                    .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, accessKey, secretKey)
                    .build();
            proxy.start();
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (!"STARTED".equals(proxy.getState())) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("S3Proxy state " + proxy.getState());
                }
                Thread.sleep(10);
            }
            S3Server server = new S3Server(proxy, dir, accessKey, secretKey, bucket);
            try (S3Client client = server.client()) {
                client.createBucket(b -> b.bucket(bucket));
            }
            return server;
        } catch (Exception e) {
            throw new IllegalStateException("S3Proxy did not start: " + e, e);
        }
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + proxy.getPort());
    }

    public String accessKey() {
        return accessKey;
    }

    public String secretKey() {
        return secretKey;
    }

    public String bucket() {
        return bucket;
    }

    /** A client with this server's credentials; the caller closes it. */
    public S3Client client() {
        return client(accessKey, secretKey);
    }

    /** A client with arbitrary credentials, e.g. to show that a wrong secret is refused. */
    public S3Client client(String accessKey, String secretKey) {
        return S3Client.builder()
                .endpointOverride(endpoint())
                .region(Region.US_EAST_1)
                .forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey, secretKey)))
                .httpClient(UrlConnectionHttpClient.create())
                .build();
    }

    @Override
    public void close() {
        try {
            proxy.stop();
        } catch (Exception e) {
            throw new IllegalStateException("S3Proxy did not stop: " + e, e);
        } finally {
            Files2.deleteTree(dir);
        }
    }
}
