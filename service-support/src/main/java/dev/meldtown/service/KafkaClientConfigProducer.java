package dev.meldtown.service;

import io.quarkus.kafka.client.runtime.KafkaRuntimeConfigProducer;
import io.quarkus.runtime.ApplicationConfig;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.util.Collections;
import java.util.Map;
import org.eclipse.microprofile.config.Config;
import org.jboss.logging.Logger;

/**
 * The {@code default-kafka-broker} configuration every Kafka producer, consumer and admin client of a service is
 * built from (ours and Quarkus' own, such as the Kafka health check): Quarkus' {@code kafka.*} properties with the
 * security settings of {@link KafkaSecurity} applied. Replaces Quarkus' default bean of the same name. Checked at
 * start-up, so a service with an unusable Kafka security setting does not start.
 */
@Singleton
public class KafkaClientConfigProducer {
    private static final Logger LOG = Logger.getLogger(KafkaClientConfigProducer.class);

    @Produces
    @Singleton
    @Identifier("default-kafka-broker")
    static Map<String, Object> kafkaClientConfig(Config config, ApplicationConfig app) {
        Map<String, Object> raw = new KafkaRuntimeConfigProducer().createKafkaRuntimeConfig(config, app);
        return Collections.unmodifiableMap(KafkaSecurity.apply(raw));
    }

    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafkaConfig;

    void check(@Observes StartupEvent ignored) {
        LOG.infof("Kafka clients: bootstrap %s, %s", kafkaConfig.get("bootstrap.servers"), KafkaSecurity.describe(kafkaConfig));
    }
}
