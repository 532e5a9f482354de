package dev.meldtown.testkit.quarkus;

import dev.meldtown.testkit.KafkaProcess;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Quarkus test resource: a standalone Kafka broker process that tests can stop and start again. Sets
 * {@code kafka.bootstrap.servers} and {@code meldtown.test.kafka-dir}; tests control the broker with
 * {@link KafkaProcess#stop(Path)} and {@link KafkaProcess#start(Path)} on that directory.
 * <p>With the init arg {@code scram=true} the broker accepts only SASL/SCRAM-SHA-512 clients, and the service is
 * configured as a deployment would configure it: {@code kafka.security.protocol=SASL_PLAINTEXT},
 * {@code kafka.sasl.mechanism}, {@code kafka.username} and {@code kafka.password} (the environment's
 * {@code KAFKA_SECURITY_PROTOCOL}, {@code KAFKA_SASL_MECHANISM}, {@code KAFKA_USERNAME}, {@code KAFKA_PASSWORD}).
 * Test code reaches the broker with {@link KafkaProcess#clientConfig(Path)}.
 */
public final class KafkaProcessTestResource implements QuarkusTestResourceLifecycleManager {
    private Path dir;
    private boolean scram;

    @Override
    public void init(Map<String, String> initArgs) {
        scram = Boolean.parseBoolean(initArgs.getOrDefault("scram", "false"));
    }

    @Override
    public Map<String, String> start() {
        try {
            dir = Files.createTempDirectory("meldtown-kafka-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        KafkaProcess.Scram credentials = scram ? KafkaProcess.Scram.random() : null;
        String bootstrap = KafkaProcess.create(dir, credentials);
        Map<String, String> config = new HashMap<>(Map.of("kafka.bootstrap.servers", bootstrap, "meldtown.test.kafka-dir", dir.toString()));
        if (credentials != null) {
            config.putAll(Map.of("kafka.security.protocol", "SASL_PLAINTEXT", "kafka.sasl.mechanism", KafkaProcess.Scram.MECHANISM,
                    "kafka.username", credentials.username(), "kafka.password", credentials.password()));
        }
        return config;
    }

    @Override
    public void stop() {
        if (dir != null) {
            KafkaProcess.stop(dir);
        }
    }
}
