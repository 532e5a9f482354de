package dev.meldtown.testkit.quarkus;

import dev.meldtown.testkit.KafkaProcess;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Quarkus test resource: a standalone Kafka broker process that tests can stop and start again. Sets
 * {@code kafka.bootstrap.servers} and {@code meldtown.test.kafka-dir}; tests control the broker with
 * {@link KafkaProcess#stop(Path)} and {@link KafkaProcess#start(Path)} on that directory.
 */
public final class KafkaProcessTestResource implements QuarkusTestResourceLifecycleManager {
    private Path dir;

    @Override
    public Map<String, String> start() {
        try {
            dir = Files.createTempDirectory("meldtown-kafka-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String bootstrap = KafkaProcess.create(dir);
        return Map.of("kafka.bootstrap.servers", bootstrap, "meldtown.test.kafka-dir", dir.toString());
    }

    @Override
    public void stop() {
        if (dir != null) {
            KafkaProcess.stop(dir);
        }
    }
}
