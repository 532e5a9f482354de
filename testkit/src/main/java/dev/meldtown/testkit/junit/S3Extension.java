package dev.meldtown.testkit.junit;

import dev.meldtown.testkit.S3Server;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/** {@code @RegisterExtension static S3Extension s3 = new S3Extension();}: a real S3 server per test class. */
public final class S3Extension implements BeforeAllCallback, AfterAllCallback {
    private S3Server server;

    @Override
    public void beforeAll(ExtensionContext context) {
        server = S3Server.start();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (server != null) {
            server.close();
            server = null;
        }
    }

    public S3Server server() {
        if (server == null) {
            throw new IllegalStateException("S3 is not running: register the extension on a static field");
        }
        return server;
    }
}
