package dev.meldtown.sync.service;

import dev.meldtown.events.EventCodec;
import dev.meldtown.events.EventType;
import dev.meldtown.events.Payloads;
import dev.meldtown.events.Topics;
import io.smallrye.common.annotation.Identifier;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jboss.logging.Logger;

/** Publishes {@code dev.meldtown.sync.completed} for every sync on {@code meldtown.syncs}, keyed {@code tenant/town}. */
@ApplicationScoped
public class SyncEvents {
    private static final Logger LOG = Logger.getLogger(SyncEvents.class);

    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafkaConfig;

    private KafkaProducer<String, byte[]> producer;

    private synchronized KafkaProducer<String, byte[]> producer() {
        if (producer == null) {
            Map<String, Object> config = new HashMap<>();
            config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafkaConfig.get("bootstrap.servers"));
            config.put(ProducerConfig.ACKS_CONFIG, "all");
            config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
            config.put(ProducerConfig.CLIENT_ID_CONFIG, "meldtown-sync");
            config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
            producer = new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer());
        }
        return producer;
    }

    /** Sends and waits for the broker's acknowledgement; a failure is logged, never hides the sync's result. */
    public void completed(Payloads.SyncResult result, String requestId) {
        byte[] value = EventCodec.encode(EventType.SYNC_COMPLETED, result.town(), Payloads.SyncCompleted.of(result, requestId));
        try {
            producer().send(new ProducerRecord<>(Topics.SYNCS, Topics.key(result.tenant(), result.town()), value))
                    .get(15, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.errorf("could not publish sync.completed %s for %s/%s: %s", requestId, result.tenant(), result.town(), e.toString());
        }
    }

    @PreDestroy
    synchronized void close() {
        if (producer != null) {
            producer.close(java.time.Duration.ofSeconds(5));
        }
    }
}
