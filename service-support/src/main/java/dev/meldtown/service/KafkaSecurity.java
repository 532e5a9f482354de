package dev.meldtown.service;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * How a service's Kafka clients authenticate, applied to the {@code kafka.*} client configuration every producer,
 * consumer and admin client is built from ({@link KafkaClientConfigProducer}). Configured the standard way, from the
 * environment (Quarkus maps {@code KAFKA_X_Y} to {@code kafka.x.y}) or {@code application.properties}:
 * <ul>
 *   <li>{@code KAFKA_SECURITY_PROTOCOL}: {@code PLAINTEXT} (the default), {@code SASL_PLAINTEXT}, {@code SASL_SSL} or
 *   {@code SSL};</li>
 *   <li>{@code KAFKA_SASL_MECHANISM}: {@code SCRAM-SHA-512} (the default with SASL), {@code SCRAM-SHA-256} or
 *   {@code PLAIN};</li>
 *   <li>{@code KAFKA_USERNAME} and {@code KAFKA_PASSWORD}: the SASL credentials, turned into the login module's JAAS
 *   line; or instead {@code KAFKA_SASL_JAAS_CONFIG}, a complete JAAS line (as in a Strimzi {@code KafkaUser} secret),
 *   which wins when both are given.</li>
 * </ul>
 * A contradictory or incomplete setting fails the service at start-up with a message that names the variables and
 * never the secret.
 */
public final class KafkaSecurity {
    public static final String SECURITY_PROTOCOL = "security.protocol";
    public static final String SASL_MECHANISM = "sasl.mechanism";
    public static final String SASL_JAAS_CONFIG = "sasl.jaas.config";
    /** {@code kafka.username} / {@code KAFKA_USERNAME}: not a Kafka client setting, removed from the map. */
    public static final String USERNAME = "username";
    /** {@code kafka.password} / {@code KAFKA_PASSWORD}: not a Kafka client setting, removed from the map. */
    public static final String PASSWORD = "password";
    public static final String DEFAULT_MECHANISM = "SCRAM-SHA-512";

    private static final Set<String> PROTOCOLS = Set.of("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL");

    private KafkaSecurity() {
    }

    /** Thrown at start-up for a security setting that cannot work; the message never contains a secret. */
    public static final class InvalidKafkaSecurityException extends IllegalStateException {
        InvalidKafkaSecurityException(String message) {
            super(message);
        }
    }

    /**
     * The client configuration with its security settings resolved: {@code security.protocol} always set,
     * {@code sasl.mechanism} and {@code sasl.jaas.config} set for SASL, {@code username}/{@code password} removed.
     */
    public static Map<String, Object> apply(Map<String, Object> raw) {
        Map<String, Object> config = new HashMap<>(raw);
        String username = blankToNull(config.remove(USERNAME));
        String password = blankToNull(config.remove(PASSWORD));
        String protocol = blankToNull(config.get(SECURITY_PROTOCOL));
        protocol = protocol == null ? "PLAINTEXT" : protocol.trim().toUpperCase(Locale.ROOT);
        if (!PROTOCOLS.contains(protocol)) {
            throw new InvalidKafkaSecurityException("KAFKA_SECURITY_PROTOCOL (kafka.security.protocol) must be one of "
                    + "PLAINTEXT, SASL_PLAINTEXT, SASL_SSL, SSL; it is '" + protocol + "'");
        }
        config.put(SECURITY_PROTOCOL, protocol);
        String jaas = blankToNull(config.get(SASL_JAAS_CONFIG));
        boolean sasl = protocol.startsWith("SASL_");
        if (!sasl) {
            if (username != null || password != null || jaas != null) {
                throw new InvalidKafkaSecurityException("Kafka credentials are configured (KAFKA_USERNAME, KAFKA_PASSWORD or "
                        + "KAFKA_SASL_JAAS_CONFIG) but KAFKA_SECURITY_PROTOCOL is " + protocol
                        + ", which sends none: set KAFKA_SECURITY_PROTOCOL=SASL_PLAINTEXT or SASL_SSL");
            }
            return config;
        }
        String mechanism = blankToNull(config.get(SASL_MECHANISM));
        mechanism = mechanism == null ? DEFAULT_MECHANISM : mechanism.trim().toUpperCase(Locale.ROOT);
        config.put(SASL_MECHANISM, mechanism);
        if (jaas != null) {
            return config;
        }
        if (username == null || password == null) {
            throw new InvalidKafkaSecurityException("KAFKA_SECURITY_PROTOCOL=" + protocol + " needs KAFKA_USERNAME and "
                    + "KAFKA_PASSWORD (or KAFKA_SASL_JAAS_CONFIG); missing: "
                    + (username == null ? "KAFKA_USERNAME" + (password == null ? ", KAFKA_PASSWORD" : "") : "KAFKA_PASSWORD"));
        }
        config.put(SASL_JAAS_CONFIG, jaasConfig(mechanism, username, password));
        return config;
    }

    /** The JAAS line of the login module for {@code mechanism}, with the values quoted and escaped. */
    public static String jaasConfig(String mechanism, String username, String password) {
        String module = switch (mechanism) {
            case "SCRAM-SHA-512", "SCRAM-SHA-256" -> "org.apache.kafka.common.security.scram.ScramLoginModule";
            case "PLAIN" -> "org.apache.kafka.common.security.plain.PlainLoginModule";
            default -> throw new InvalidKafkaSecurityException("KAFKA_SASL_MECHANISM=" + mechanism + " takes no username and "
                    + "password: give the whole login module line in KAFKA_SASL_JAAS_CONFIG");
        };
        return module + " required username=" + quote(username) + " password=" + quote(password) + ";";
    }

    /** A one-line description for the start-up log: protocol, mechanism and user, never the password. */
    public static String describe(Map<String, Object> config) {
        String protocol = String.valueOf(config.getOrDefault(SECURITY_PROTOCOL, "PLAINTEXT"));
        if (!protocol.startsWith("SASL_")) {
            return "security.protocol=" + protocol;
        }
        return "security.protocol=" + protocol + ", sasl.mechanism=" + config.get(SASL_MECHANISM);
    }

    private static String quote(String value) {
        return '"' + value.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }

    private static String blankToNull(Object value) {
        if (value == null) {
            return null;
        }
        String s = value.toString();
        return s.isBlank() ? null : s;
    }
}
