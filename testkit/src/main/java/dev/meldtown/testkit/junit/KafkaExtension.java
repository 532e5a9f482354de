package dev.meldtown.testkit.junit;

import dev.meldtown.testkit.KafkaBroker;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/** {@code @RegisterExtension static KafkaExtension kafka = new KafkaExtension();}: a real broker per test class. */
public final class KafkaExtension implements BeforeAllCallback, AfterAllCallback {
    private KafkaBroker broker;

    @Override
    public void beforeAll(ExtensionContext context) {
        broker = KafkaBroker.start();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (broker != null) {
            broker.close();
            broker = null;
        }
    }

    public KafkaBroker broker() {
        if (broker == null) {
            throw new IllegalStateException("Kafka is not running: register the extension on a static field");
        }
        return broker;
    }

    public String bootstrapServers() {
        return broker().bootstrapServers();
    }
}
