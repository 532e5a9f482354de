package dev.meldtown.sync.service;

import dev.meldtown.events.EventCodec;
import dev.meldtown.events.EventType;
import dev.meldtown.events.Payloads;
import dev.meldtown.events.Topics;
import dev.meldtown.model.Name;
import dev.meldtown.service.ProblemException;
import dev.meldtown.service.Workers;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.common.annotation.Identifier;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.InterruptException;
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

    @ConfigProperty(name = "meldtown.sync-requests.attempts", defaultValue = "3")
    int attempts;

    @ConfigProperty(name = "meldtown.sync-requests.restart-delay", defaultValue = "PT2S")
    Duration restartDelay;

    @Inject
    MeterRegistry metrics;

    private volatile KafkaConsumer<String, byte[]> consumer;
    private volatile boolean running;
    private volatile boolean polling;
    private volatile Instant lastPoll;
    private Thread thread;

    @Inject
    Workers workers;

    void start(@Observes StartupEvent ignored) {
        if (!enabled) {
            return;
        }
        // Liveness: the consumer restarts itself after a failure; only a thread that ended while it should run is death.
        workers.watch("sync.requested consumer",
                () -> running && (thread == null || !thread.isAlive()) ? "the consumer thread ended" : null);
        running = true;
        thread = new Thread(this::loop, "meldtown-sync-requests");
        thread.setDaemon(true);
        thread.start();
    }

    private KafkaConsumer<String, byte[]> newConsumer() {
        // Built from the whole client configuration (bootstrap servers and security), as every client is.
        Map<String, Object> props = new HashMap<>(kafkaConfig);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 10);
        props.put(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, 30 * 60 * 1000);
        return new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
    }

    void stop(@Observes ShutdownEvent ignored) {
        running = false;
        KafkaConsumer<String, byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        if (thread != null) {
            try {
                thread.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** True while the consumer thread is alive and not waiting to restart after a failure. */
    public boolean healthy() {
        return !enabled || (running && polling && thread != null && thread.isAlive());
    }

    /** When the consumer last returned from a poll (null before the first). */
    public Instant lastPoll() {
        return lastPoll;
    }

    /**
     * Polls until shutdown. A failure of the consumer itself (even an {@link Error} such as an
     * {@code OutOfMemoryError}) is logged as an error and the consumer is recreated after
     * {@code meldtown.sync-requests.restart-delay}: uncommitted records are then delivered again.
     */
    private void loop() {
        while (running) {
            try (KafkaConsumer<String, byte[]> c = newConsumer()) {
                consumer = c;
                c.subscribe(List.of(Topics.SYNCS));
                polling = true;
                while (running) {
                    var records = c.poll(Duration.ofMillis(500));
                    lastPoll = Instant.now();
                    for (ConsumerRecord<String, byte[]> r : records) {
                        handle(r.key(), r.value());
                    }
                    if (!records.isEmpty()) {
                        c.commitSync();
                    }
                }
            } catch (WakeupException | InterruptException e) {
                if (running) {
                    LOG.error("sync.requested consumer was woken up unexpectedly; restarting it", e);
                }
            } catch (RuntimeException | Error e) {
                LOG.errorf(e, "sync.requested consumer failed; restarting it in %s", restartDelay);
                metrics.counter("meldtown.sync.requests.consumer.restarts").increment();
            } finally {
                polling = false;
                consumer = null;
            }
            long until = System.nanoTime() + restartDelay.toNanos();
            while (running && System.nanoTime() < until) {
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /**
     * Handles one record. A record whose key is not {@code {tenant}/{town}} of its payload is dropped (the
     * {@code meldtown.syncs} topic has no dead-letter topic in the events contract): logged and counted in
     * {@code meldtown.sync.requests.dropped{reason}}. A request that fails with an unexpected exception is tried
     * {@code meldtown.sync-requests.attempts} times, then dropped the same way.
     */
    void handle(String key, byte[] value) {
        Payloads.SyncRequested request;
        try {
            var event = EventCodec.decode(value);
            if (!EventType.SYNC_REQUESTED.type().equals(event.getType())) {
                return;
            }
            request = EventCodec.data(event, Payloads.SyncRequested.class);
        } catch (EventCodec.InvalidEventException e) {
            LOG.warnf("skipping an invalid event on %s: %s", Topics.SYNCS, e.getMessage());
            drop("invalid");
            return;
        }
        if (!Name.isValid(request.tenant())
                || !Name.isValid(request.town())
                || request.requestId() == null || request.requestId().isBlank() || request.requestId().length() > 200) {
            LOG.warnf("skipping sync request %s for an invalid tenant or town", request.requestId());
            drop("invalid");
            return;
        }
        String expected = Topics.key(request.tenant(), request.town());
        if (!expected.equals(key)) {
            LOG.errorf("dropping sync request %s: record key '%s' does not match its payload's tenant/town '%s'",
                    request.requestId(), key, expected);
            drop("key-mismatch");
            return;
        }
        for (int attempt = 1; ; attempt++) {
            try {
                execute(request);
                return;
            } catch (RuntimeException e) {
                if (attempt >= attempts) {
                    LOG.errorf(e, "dropping sync request %s for %s/%s after %d attempts", request.requestId(), request.tenant(),
                            request.town(), attempt);
                    drop("failed");
                    return;
                }
                LOG.warnf("sync request %s failed (attempt %d of %d): %s", request.requestId(), attempt, attempts, e.toString());
                try {
                    Thread.sleep(500L * attempt);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new InterruptException(ie);
                }
            }
        }
    }

    private void execute(Payloads.SyncRequested request) {
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

    private void drop(String reason) {
        metrics.counter("meldtown.sync.requests.dropped", "reason", reason).increment();
    }
}
