package dev.meldtown.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** The {@code KEY=value} file {@code bin/stack up} writes ({@code .stack/env}): endpoints and credentials of the stack. */
public final class StackEnv {
    private StackEnv() {
    }

    public static Map<String, String> read(Path file) throws IOException {
        Map<String, String> values = new LinkedHashMap<>();
        for (String line : Files.readAllLines(file)) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                values.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        return values;
    }

    /**
     * Kafka client settings for the stack in {@code env} (as read from {@code .stack/env}): the bootstrap servers and,
     * when the stack's Kafka authenticates (it does since {@code bin/stack} uses SASL/SCRAM), the protocol, mechanism and
     * the login module line built from {@code KAFKA_USERNAME} and {@code KAFKA_PASSWORD}.
     */
    public static Map<String, Object> kafkaClientConfig(Map<String, String> env) {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("bootstrap.servers", env.get("KAFKA_BOOTSTRAP"));
        String protocol = env.getOrDefault("KAFKA_SECURITY_PROTOCOL", "PLAINTEXT");
        config.put("security.protocol", protocol);
        if (protocol.startsWith("SASL_")) {
            String mechanism = env.getOrDefault("KAFKA_SASL_MECHANISM", KafkaProcess.Scram.MECHANISM);
            config.put("sasl.mechanism", mechanism);
            config.put("sasl.jaas.config", new KafkaProcess.Scram(env.get("KAFKA_USERNAME"), env.get("KAFKA_PASSWORD")).jaasConfig());
        }
        return config;
    }

    /** The environment variables a service needs to reach the stack's Kafka (bootstrap servers and credentials). */
    public static Map<String, String> kafkaServiceEnv(Map<String, String> env) {
        Map<String, String> vars = new LinkedHashMap<>();
        for (String key : new String[] {"KAFKA_BOOTSTRAP", "KAFKA_SECURITY_PROTOCOL", "KAFKA_SASL_MECHANISM", "KAFKA_USERNAME", "KAFKA_PASSWORD"}) {
            if (env.containsKey(key)) {
                vars.put(key, env.get(key));
            }
        }
        return vars;
    }
}
