package dev.meldtown.sync.service;

import dev.meldtown.events.DeadLetter;
import dev.meldtown.events.EventCodec;
import dev.meldtown.events.EventType;
import dev.meldtown.events.Payloads;
import dev.meldtown.events.Topics;
import dev.meldtown.service.DependencyUnavailableException;
import dev.meldtown.service.EventPublisher;
import dev.meldtown.service.LogContext;
import dev.meldtown.service.Outages;
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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
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
 * Consumes {@code dev.meldtown.sync.requested} from {@code meldtown.syncs} (published by other systems, and by this
 * service for {@code ?async=true}) and runs the sync; the result is published as {@code sync.completed} with the same
 * {@code requestId}. Idempotent: a request id that was already executed (remembered in the registry) is not executed
 * again. Offsets are committed after the work and its event are durable, so a request survives a crash.
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

    @Inject
    EventPublisher events;

    /** Threads that run requested syncs (one town's requests run in order). */
    @ConfigProperty(name = "meldtown.sync-requests.threads", defaultValue = "4")
    int threads;

    private ExecutorService pool;

    void start(@Observes StartupEvent ignored) {
        // every reason's series exists from the start, so that increase() sees the first dead letter
        for (String reason : new String[] {"invalid", "key-mismatch", "failed"}) {
            metrics.counter("meldtown.sync.requests.dropped", "reason", reason);
        }
        if (!enabled) {
            return;
        }
        // Liveness: the consumer restarts itself after a failure; only a thread that ended while it should run is death.
        workers.watch("sync.requested consumer",
                () -> running && (thread == null || !thread.isAlive()) ? "the consumer thread ended" : null);
        running = true;
        pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "meldtown-sync-request");
            t.setDaemon(true);
            return t;
        });
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
        if (pool != null) {
            pool.shutdownNow();
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
     * Polls until shutdown. The records of one poll run in parallel on {@code meldtown.sync-requests.threads}
     * threads, those of one town (one record key) in order, and the offsets are committed once all of them are done.
     * A failure of the consumer itself (even an {@link Error} such as an {@code OutOfMemoryError}), or an outage of
     * S3 or Kafka while a request runs, is logged and the consumer is recreated after
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
                    if (records.isEmpty()) {
                        continue;
                    }
                    Map<String, List<ConsumerRecord<String, byte[]>>> byTown = new LinkedHashMap<>();
                    records.forEach(r -> byTown.computeIfAbsent(String.valueOf(r.key()), k -> new ArrayList<>()).add(r));
                    List<Future<?>> work = new ArrayList<>();
                    for (var town : byTown.values()) {
                        // one span per record, child of the requester's trace (its HTTP request, say)
                        work.add(pool.submit(() -> town.forEach(r -> dev.meldtown.service.tracing.KafkaTracing.processing(r, group, () -> handle(r)))));
                    }
                    for (Future<?> f : work) {
                        await(f);
                    }
                    c.commitSync();
                }
            } catch (WakeupException | InterruptException e) {
                if (running) {
                    LOG.error("sync.requested consumer was woken up unexpectedly; restarting it", e);
                }
            } catch (DependencyUnavailableException e) {
                LOG.warnf("sync.requested consumer paused: %s; the requests are delivered again in %s", e.getMessage(), restartDelay);
                metrics.counter("meldtown.sync.requests.consumer.restarts").increment();
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

    /** Waits for one town's records; rethrows what ended them (an outage, an Error) in the consumer's thread. */
    private static void await(Future<?> f) {
        try {
            f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptException(e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    /**
     * Handles one record. A record whose key is not {@code {tenant}/{town}} of its payload, or whose payload is
     * invalid, is dead-lettered to {@code meldtown.syncs.dlq} unprocessed. A request that fails with an unexpected
     * exception is tried {@code meldtown.sync-requests.attempts} times, then dead-lettered. Each dead letter is
     * counted in {@code meldtown.sync.requests.dropped{reason}}. An outage of S3 or Kafka is nobody's fault: it is
     * thrown, so the consumer stops and the record comes again.
     */
    void handle(ConsumerRecord<String, byte[]> record) {
        LogContext.ofRecordKey(record.key(), "town");
        try {
            handleInContext(record);
        } finally {
            LogContext.clear();
        }
    }

    private void handleInContext(ConsumerRecord<String, byte[]> record) {
        String key = record.key();
        Payloads.SyncRequested request;
        try {
            var event = EventCodec.decode(record.value());
            if (!EventType.SYNC_REQUESTED.type().equals(event.getType())) {
                return;
            }
            request = EventCodec.data(event, Payloads.SyncRequested.class);
        } catch (EventCodec.InvalidEventException e) {
            deadLetter(record, "invalid", "not a valid sync.requested event: " + e.getMessage());
            return;
        }
        if (!Name.isValid(request.tenant())
                || !Name.isValid(request.town())
                || request.requestId() == null || request.requestId().isBlank() || request.requestId().length() > 200) {
            deadLetter(record, "invalid", "sync request " + request.requestId() + " names an invalid tenant, town or request id");
            return;
        }
        String expected = Topics.key(request.tenant(), request.town());
        if (!expected.equals(key)) {
            deadLetter(record, "key-mismatch", "record key '" + key + "' does not match its payload's tenant/town '" + expected + "'");
            return;
        }
        for (int attempt = 1; ; attempt++) {
            try {
                execute(request);
                return;
            } catch (RuntimeException e) {
                DependencyUnavailableException outage = Outages.unavailable(e);
                if (outage != null) {
                    throw outage;
                }
                if (attempt >= attempts) {
                    LOG.errorf(e, "sync request %s for %s/%s failed %d times", request.requestId(), request.tenant(),
                            request.town(), attempt);
                    deadLetter(record, "failed", "failed " + attempt + " times: " + e);
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
            if (Outages.unavailable(e) != null) {
                throw e;
            }
            LOG.warnf("sync request %s for %s/%s -> %s refused: %s", request.requestId(), request.tenant(), request.town(),
                    request.peer(), e.getMessage());
        }
        registry.markRequest(request.tenant(), request.requestId());
    }

    /** Sends the record, as it came, to {@code meldtown.syncs.dlq}; when Kafka does not take it the consumer stops (503). */
    private void deadLetter(ConsumerRecord<String, byte[]> r, String category, String reason) {
        LOG.errorf("%s-%d@%d dead-lettered to %s (%s): %s", r.topic(), r.partition(), r.offset(), Topics.SYNCS_DLQ, category, reason);
        events.send(Topics.SYNCS_DLQ, r.key(), r.value(), DeadLetter.headers(category, reason, r.topic(), r.partition(), r.offset()));
        metrics.counter("meldtown.sync.requests.dropped", "reason", category).increment();
    }
}
