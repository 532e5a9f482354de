package dev.meldtown.merge;

import dev.meldtown.crdt.StorageException;
import dev.meldtown.crdt.MissingKeyException;
import dev.meldtown.events.Topics;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.RangeAssignor;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import dev.meldtown.service.LogContext;
import dev.meldtown.service.Workers;
import org.jboss.logging.Logger;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * The poll loop, on one dedicated thread started at startup and stopped at shutdown: plain kafka-clients over
 * {@code meldtown.blocks} and {@code meldtown.merges}, one consumer group for every instance. Offsets are committed
 * manually, only for records whose work is durable in S3 (and whose results were acknowledged by Kafka):
 * <ul>
 *   <li>a poison record goes to {@code meldtown.merges.dlq} (original key and value; headers
 *       {@code meldtown-dlq-reason}, {@code -category}, {@code -topic}, {@code -partition}, {@code -offset}), and the
 *       partition moves on;</li>
 *   <li>a transient failure (S3 or Kafka unavailable) seeks the partition back to the record and retries it after a
 *       pause, for as long as it takes;</li>
 *   <li>any other failure is retried {@code max-attempts} times, then dead-lettered.</li>
 * </ul>
 * The range assignor gives partition n of both topics to the same instance (the service creates them with the same
 * partition count), so one instance at a time works on a document.
 */
@ApplicationScoped
public class MergeConsumer {
    private static final Logger LOG = Logger.getLogger(MergeConsumer.class);
    public static final String DLQ_REASON = dev.meldtown.events.DeadLetter.REASON;
    public static final String DLQ_CATEGORY = dev.meldtown.events.DeadLetter.CATEGORY;
    /** Reserved, not committed, until used. */
    static final long CONSUMER_STACK_BYTES = 1L << 30;

    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafkaConfig;

    @Inject
    MergeConfig config;

    @Inject
    MergeProcessor processor;

    @Inject
    Publisher publisher;

    @Inject
    MergeMetrics metrics;

    @Inject
    Replicas replicas;

    @Inject
    Workers workers;

    private volatile Workers.Heartbeat heartbeat;

    private volatile boolean running;
    private volatile KafkaConsumer<String, byte[]> consumer;
    private Thread thread;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final Map<TopicPartition, Long> attemptsAt = new HashMap<>();
    private int attempts;

    void start(@Observes StartupEvent ev) {
        if (!config.consume()) {
            stopped.countDown();
            return;
        }
        running = true;
        heartbeat = workers.register("merge consumer", config.maxSilence());
        // A large stack: loading a replica walks its block DAG recursively (crdt Replica.isValid), and a linear history
        // of thousands of blocks overflows the default 1 MiB (seen with 10,000 blocks in bin/bench-merge).
        thread = new Thread(null, this::run, "meldtown-merge-consumer", CONSUMER_STACK_BYTES);
        thread.start();
    }

    void stop(@Observes ShutdownEvent ev) {
        running = false;
        workers.remove("merge consumer");
        KafkaConsumer<String, byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        try {
            stopped.await(15, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        try {
            ensureTopics();
            Map<String, Object> props = new HashMap<>(kafkaConfig);
            props.put(ConsumerConfig.GROUP_ID_CONFIG, config.groupId());
            props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
            props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
            props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, config.maxPollRecords());
            props.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, RangeAssignor.class.getName());
            props.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, "meldtown-merge-" + ProcessHandle.current().pid());
            while (running) {
                try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
                    consumer = c;
                    c.subscribe(List.of(Topics.BLOCKS, Topics.MERGES), new ConsumerRebalanceListener() {
                        @Override
                        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                        }

                        @Override
                        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                            // documents may have been melded elsewhere meanwhile: reload them from S3
                            replicas.clear();
                        }
                    });
                    loop(c);
                } catch (WakeupException e) {
                    // shutting down
                } catch (RuntimeException | Error e) {
                    // never let the thread die while the service still reports ready; uncommitted records come back
                    LOG.errorf(e, "merge consumer failed; restarting it in %s", config.retryBackoff());
                    pause();
                }
            }
        } finally {
            consumer = null;
            if (running || Thread.currentThread().isInterrupted()) {
                heartbeat.died("the consumer thread ended");
            }
            stopped.countDown();
        }
    }

    private void loop(KafkaConsumer<String, byte[]> c) {
        while (running) {
            heartbeat.beat();
            ConsumerRecords<String, byte[]> records = c.poll(config.pollTimeout());
            Map<TopicPartition, OffsetAndMetadata> done = new LinkedHashMap<>();
            Set<TopicPartition> stalled = new HashSet<>();
            for (ConsumerRecord<String, byte[]> r : records) {
                TopicPartition tp = new TopicPartition(r.topic(), r.partition());
                if (stalled.contains(tp) || !running) {
                    continue;
                }
                heartbeat.beat();
                LogContext.ofRecordKey(r.key(), "doc");
                try {
                    // one span per record, child of the producer's (the upload's) trace
                    if (dev.meldtown.service.tracing.KafkaTracing.processing(r, config.groupId(), () -> handle(r))) {
                        done.put(tp, new OffsetAndMetadata(r.offset() + 1));
                    } else {
                        stalled.add(tp);
                        c.seek(tp, r.offset());
                    }
                } finally {
                    LogContext.clear();
                }
            }
            if (!done.isEmpty()) {
                c.commitSync(done);
            }
            lag(c);
            if (!stalled.isEmpty()) {
                pause();
            }
        }
    }

    /** Processes one record; true when it is finished (done or dead-lettered), false to retry it. */
    private boolean handle(ConsumerRecord<String, byte[]> r) {
        TopicPartition tp = new TopicPartition(r.topic(), r.partition());
        try {
            boolean did = !processor.process(r.key(), r.value()).isEmpty();
            metrics.event(did ? "completed" : "ignored");
            attemptsAt.remove(tp);
            return true;
        } catch (Poison p) {
            return deadLetter(r, p.category(), p.reason());
        } catch (S3Exception e) {
            // 4xx other than throttling and timeouts will not heal by waiting
            boolean client = e.statusCode() >= 400 && e.statusCode() < 500 && e.statusCode() != 429 && e.statusCode() != 408;
            return client ? failedAttempt(r, e) : retry(r, e);
        } catch (Publisher.TransientException | SdkException e) {
            return retry(r, e);
        } catch (StorageException e) {
            if (e instanceof MissingKeyException) {
                return failedAttempt(r, e);
            }
            return retry(r, e);
        } catch (RuntimeException e) {
            return failedAttempt(r, e);
        } catch (StackOverflowError e) {
            // a record this deep can never succeed on this instance as configured: counted, then dead-lettered
            return failedAttempt(r, new IllegalStateException("stack overflow while processing the record", e));
        }
    }

    private boolean retry(ConsumerRecord<String, byte[]> r, Exception e) {
        LOG.warnf("%s-%d@%d: transient failure, retrying: %s", r.topic(), r.partition(), r.offset(), e.getMessage());
        metrics.event("retried");
        return false;
    }

    private boolean failedAttempt(ConsumerRecord<String, byte[]> r, RuntimeException e) {
        TopicPartition tp = new TopicPartition(r.topic(), r.partition());
        Long at = attemptsAt.get(tp);
        attempts = at != null && at == r.offset() ? attempts + 1 : 1;
        attemptsAt.put(tp, r.offset());
        LOG.warnf(e, "%s-%d@%d: attempt %d failed", r.topic(), r.partition(), r.offset(), attempts);
        if (attempts >= config.maxAttempts()) {
            attemptsAt.remove(tp);
            return deadLetter(r, "failed", "failed " + attempts + " times: " + e);
        }
        metrics.event("retried");
        return false;
    }

    private boolean deadLetter(ConsumerRecord<String, byte[]> r, String category, String reason) {
        LOG.warnf("%s-%d@%d dead-lettered (%s): %s", r.topic(), r.partition(), r.offset(), category, reason);
        try {
            publisher.send(Topics.MERGES_DLQ, r.key(), r.value(),
                    dev.meldtown.events.DeadLetter.headers(category, reason, r.topic(), r.partition(), r.offset()));
        } catch (Publisher.TransientException e) {
            return retry(r, e);
        }
        metrics.event("dead-lettered");
        return true;
    }

    private void lag(KafkaConsumer<String, byte[]> c) {
        long total = 0;
        for (TopicPartition tp : c.assignment()) {
            total += c.currentLag(tp).orElse(0);
        }
        metrics.lag(total);
    }

    private void pause() {
        heartbeat.beat();
        try {
            Thread.sleep(config.retryBackoff().toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    /** Creates the topics with the same partition count when they are missing (auto-creation would not co-partition them). */
    private void ensureTopics() {
        try (Admin admin = Admin.create(new HashMap<>(kafkaConfig))) {
            Set<String> existing = admin.listTopics().names().get(15, TimeUnit.SECONDS);
            List<NewTopic> missing = List.of(Topics.BLOCKS, Topics.MERGES, Topics.MERGES_DLQ).stream()
                    .filter(t -> !existing.contains(t)).map(t -> new NewTopic(t, config.topicPartitions(), (short) -1)).toList();
            if (!missing.isEmpty()) {
                admin.createTopics(missing).all().get(15, TimeUnit.SECONDS);
            }
        } catch (Exception e) {
            LOG.warnf("could not ensure topics (they may be created elsewhere): %s", e.getMessage());
        }
    }

}
