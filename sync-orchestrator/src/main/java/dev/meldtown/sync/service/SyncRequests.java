package dev.meldtown.sync.service;

import dev.meldtown.events.EventCodec;
import dev.meldtown.events.EventType;
import dev.meldtown.events.Payloads;
import dev.meldtown.events.Topics;
import dev.meldtown.service.ProblemException;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Consumes {@code dev.meldtown.sync.requested} from {@code meldtown.syncs} and runs the sync; the result is
 * published as {@code sync.completed} with the same {@code requestId}. Idempotent: a request id that was
 * already executed (remembered in the registry) is not executed again. Offsets are committed after work.
 */
@ApplicationScoped
public class SyncRequests {
    private static final Logger LOG = Logger.getLogger(SyncRequests.class);

    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafkaConfig;

    @Inject
    FederationService service;

    @Inject
    Registry registry;

    @ConfigProperty(name = "meldtown.sync-requests.enabled", defaultValue = "true")
    boolean enabled;

    @ConfigProperty(name = "meldtown.sync-requests.group", defaultValue = "meldtown-sync-orchestrator")
    String group;

    private volatile KafkaConsumer<String, byte[]> consumer;
    private volatile boolean running;
    private Thread thread;

    void start(@Observes StartupEvent ignored) {
        if (!enabled) {
            return;
        }
        // Built from the whole client configuration (bootstrap servers and security), as every client is.
        Map<String, Object> props = new HashMap<>(kafkaConfig);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 10);
        props.put(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, 30 * 60 * 1000);
        consumer = new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
        running = true;
        thread = new Thread(this::loop, "meldtown-sync-requests");
        thread.setDaemon(true);
        thread.start();
    }

    void stop(@Observes ShutdownEvent ignored) {
        running = false;
        if (consumer != null) {
            consumer.wakeup();
        }
        if (thread != null) {
            try {
                thread.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void loop() {
        try (KafkaConsumer<String, byte[]> c = consumer) {
            c.subscribe(List.of(Topics.SYNCS));
            while (running) {
                var records = c.poll(Duration.ofMillis(500));
                for (ConsumerRecord<String, byte[]> r : records) {
                    handle(r.value());
                }
                if (!records.isEmpty()) {
                    c.commitSync();
                }
            }
        } catch (WakeupException e) {
            // shutting down
        } catch (RuntimeException e) {
            LOG.error("sync.requested consumer stopped", e);
        }
    }

    void handle(byte[] value) {
        Payloads.SyncRequested request;
        try {
            var event = EventCodec.decode(value);
            if (!EventType.SYNC_REQUESTED.type().equals(event.getType())) {
                return;
            }
            request = EventCodec.data(event, Payloads.SyncRequested.class);
        } catch (EventCodec.InvalidEventException e) {
            LOG.warnf("skipping an invalid event on %s: %s", Topics.SYNCS, e.getMessage());
            return;
        }
        if (!dev.meldtown.sync.federation.internal.Names.isName(request.tenant())) {
            LOG.warnf("skipping sync request %s for an invalid tenant", request.requestId());
            return;
        }
        if (registry.requestSeen(request.tenant(), request.requestId())) {
            LOG.debugf("sync request %s was already executed", request.requestId());
            return;
        }
        try {
            service.run(request.tenant(), request.town(), request.peer(), FederationService.Operation.SYNC,
                    request.strategy(), request.requestId());
        } catch (ProblemException e) {
            LOG.warnf("sync request %s for %s/%s -> %s refused: %s", request.requestId(), request.tenant(), request.town(),
                    request.peer(), e.getMessage());
        }
        registry.markRequest(request.tenant(), request.requestId());
    }
}
