package dev.meldtown.testkit.quarkus;

import dev.meldtown.testkit.KafkaBroker;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/** Quarkus test resource: a real in-JVM Kafka broker; sets {@code kafka.bootstrap.servers}. */
public final class KafkaTestResource implements QuarkusTestResourceLifecycleManager {
    private KafkaBroker broker;

    @Override
    public Map<String, String> start() {
        broker = KafkaBroker.start();
        return Map.of("kafka.bootstrap.servers", broker.bootstrapServers());
    }

    @Override
    public void stop() {
        if (broker != null) {
            broker.close();
        }
    }
}
