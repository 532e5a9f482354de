package dev.meldtown.testkit.quarkus;

import dev.meldtown.testkit.S3Process;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Quarkus test resource: a standalone S3 server process that tests can stop and start again. Sets the
 * {@code meldtown.s3.*} config and {@code meldtown.test.s3-dir}; tests control the server with
 * {@link S3Process#stop(Path)} and {@link S3Process#start(Path)} on that directory.
 */
public final class S3ProcessTestResource implements QuarkusTestResourceLifecycleManager {
    private Path dir;

    @Override
    public Map<String, String> start() {
        try {
            dir = Files.createTempDirectory("meldtown-s3-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String endpoint = S3Process.create(dir);
        return Map.of(
                "meldtown.s3.endpoint", endpoint,
                "meldtown.s3.bucket", S3Process.BUCKET,
                "meldtown.s3.access-key", S3Process.ACCESS_KEY,
                "meldtown.s3.secret-key", S3Process.SECRET_KEY,
                "meldtown.test.s3-dir", dir.toString());
    }

    @Override
    public void stop() {
        if (dir != null) {
            S3Process.stop(dir);
            try (var paths = Files.walk(dir)) {
                paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException e) {
                // a temporary directory left behind
            }
        }
    }
}
