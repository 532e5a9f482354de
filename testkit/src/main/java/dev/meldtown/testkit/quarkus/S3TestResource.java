package dev.meldtown.testkit.quarkus;

import dev.meldtown.testkit.S3Server;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/** Quarkus test resource: a real in-JVM S3 server with a bucket; sets the {@code meldtown.s3.*} config. */
public final class S3TestResource implements QuarkusTestResourceLifecycleManager {
    private S3Server server;

    @Override
    public Map<String, String> start() {
        server = S3Server.start();
        return Map.of(
                "meldtown.s3.endpoint", server.endpoint().toString(),
                "meldtown.s3.bucket", server.bucket(),
                "meldtown.s3.access-key", server.accessKey(),
                "meldtown.s3.secret-key", server.secretKey());
    }

    @Override
    public void stop() {
        if (server != null) {
            server.close();
        }
    }
}
