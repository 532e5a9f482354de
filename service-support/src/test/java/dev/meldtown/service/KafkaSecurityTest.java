package dev.meldtown.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.security.JaasContext;
import org.apache.kafka.common.config.types.Password;
import org.apache.kafka.common.network.ListenerName;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.junit.jupiter.api.Test;

class KafkaSecurityTest {
    private static Map<String, Object> raw(String... kv) {
        Map<String, Object> m = new HashMap<>();
        m.put("bootstrap.servers", "127.0.0.1:9092");
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    @Test
    void withoutSettingsTheClientsStayOnPlaintext() {
        Map<String, Object> config = KafkaSecurity.apply(raw());
        assertThat(config).containsEntry("security.protocol", "PLAINTEXT").containsEntry("bootstrap.servers", "127.0.0.1:9092")
                .doesNotContainKeys("sasl.mechanism", "sasl.jaas.config");
    }

    @Test
    void usernameAndPasswordBecomeTheScramLoginModuleAndLeaveTheMap() {
        Map<String, Object> config = KafkaSecurity.apply(raw("security.protocol", "sasl_plaintext", "username", "meldtown",
                "password", "s3cret"));
        assertThat(config).containsEntry("security.protocol", "SASL_PLAINTEXT").containsEntry("sasl.mechanism", "SCRAM-SHA-512")
                .doesNotContainKeys("username", "password");
        assertThat(config.get("sasl.jaas.config")).isEqualTo(
                "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"meldtown\" password=\"s3cret\";");
    }

    @Test
    void quotesAndBackslashesInAPasswordSurviveKafkasJaasParser() {
        String password = "a\"b\\c d;e=f";
        Map<String, Object> config = KafkaSecurity.apply(raw("security.protocol", "SASL_SSL", "sasl.mechanism", "SCRAM-SHA-256",
                "username", "svc", "password", password));
        // parsed exactly as the client will parse it
        var context = JaasContext.loadClientContext(Map.of("sasl.jaas.config", new Password((String) config.get("sasl.jaas.config"))));
        var options = context.configurationEntries().get(0).getOptions();
        assertThat(options.get("username")).isEqualTo("svc");
        assertThat(options.get("password")).isEqualTo(password);
        assertThat(context.configurationEntries().get(0).getLoginModuleName())
                .isEqualTo("org.apache.kafka.common.security.scram.ScramLoginModule");
        assertThat(ListenerName.forSecurityProtocol(SecurityProtocol.forName((String) config.get("security.protocol"))).value())
                .isEqualTo("SASL_SSL");
    }

    @Test
    void aGivenJaasLineWinsOverUsernameAndPassword() {
        String jaas = "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"u\" password=\"p\";";
        Map<String, Object> config = KafkaSecurity.apply(raw("security.protocol", "SASL_PLAINTEXT", "sasl.jaas.config", jaas,
                "username", "other", "password", "other"));
        assertThat(config.get("sasl.jaas.config")).isEqualTo(jaas);
        assertThat(config).doesNotContainKeys("username", "password");
    }

    @Test
    void saslWithoutCredentialsIsRefusedNamingWhatIsMissing() {
        assertThatThrownBy(() -> KafkaSecurity.apply(raw("security.protocol", "SASL_PLAINTEXT")))
                .isInstanceOf(KafkaSecurity.InvalidKafkaSecurityException.class)
                .hasMessageContaining("missing: KAFKA_USERNAME, KAFKA_PASSWORD");
        assertThatThrownBy(() -> KafkaSecurity.apply(raw("security.protocol", "SASL_PLAINTEXT", "username", "u")))
                .hasMessageContaining("missing: KAFKA_PASSWORD");
    }

    @Test
    void credentialsWithAProtocolThatSendsNoneAreRefusedWithoutShowingThem() {
        assertThatThrownBy(() -> KafkaSecurity.apply(raw("username", "u", "password", "topsecret")))
                .isInstanceOf(KafkaSecurity.InvalidKafkaSecurityException.class)
                .hasMessageContaining("KAFKA_SECURITY_PROTOCOL is PLAINTEXT")
                .hasMessageNotContaining("topsecret");
    }

    @Test
    void anUnknownProtocolOrAMechanismWithoutAPasswordModuleIsRefused() {
        assertThatThrownBy(() -> KafkaSecurity.apply(raw("security.protocol", "SASL")))
                .hasMessageContaining("must be one of");
        assertThatThrownBy(() -> KafkaSecurity.apply(raw("security.protocol", "SASL_PLAINTEXT", "sasl.mechanism", "GSSAPI",
                "username", "u", "password", "secret-value")))
                .hasMessageContaining("KAFKA_SASL_JAAS_CONFIG").hasMessageNotContaining("secret-value");
    }

    @Test
    void theDescriptionForTheLogNamesNoSecret() {
        Map<String, Object> config = KafkaSecurity.apply(raw("security.protocol", "SASL_PLAINTEXT", "username", "meldtown",
                "password", "hunter2"));
        assertThat(KafkaSecurity.describe(config)).isEqualTo("security.protocol=SASL_PLAINTEXT, sasl.mechanism=SCRAM-SHA-512")
                .doesNotContain("hunter2");
    }
}
