package dev.meldtown.merge;

import dev.meldtown.events.Topics;
import dev.meldtown.service.LogContext;
import dev.meldtown.service.Workers;
import dev.meldtown.service.tracing.KafkaTracing;
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
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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
import org.jboss.logging.Logger;

/**
 * The poll loop, on one dedicated thread started at startup and stopped at shutdown: plain kafka-clients over
 * {@code meldtown.blocks} and {@code meldtown.merges}, one consumer group for every instance. The records of each
 * partition are worked on in order by a pool of {@code concurrency} workers, several partitions at once: the poll
 * thread queues each partition's records, and one worker at a time takes a partition's queue, so a slow event (a
 * document's first, which loads its replicas) holds up only the documents of its own partition while the poll loop
 * goes on polling. Partitions are not paused while they are worked on (a resumed partition would wait for the broker's
 * fetch long-poll of the others), only when their queue is long or a record waits for its retry. Offsets are
 * committed manually, by the poll thread, only for records whose work is durable in S3 (and whose results were
 * acknowledged by Kafka); what becomes of a failed record is {@link RecordHandler}'s: a record to retry is sought
 * back to, the records queued after it are dropped (they are fetched again), and its partition stays paused for
 * {@code retry-backoff} while the others go on.
 * The range assignor gives partition n of both topics to the same instance (the service creates them with the same
 * partition count), so one instance at a time works on a document; every record of a document is in one partition, so
 * one worker at a time works on it.
 */
@ApplicationScoped
public class MergeConsumer {
    private static final Logger LOG = Logger.getLogger(MergeConsumer.class);
    public static final String DLQ_REASON = dev.meldtown.events.DeadLetter.REASON;
    public static final String DLQ_CATEGORY = dev.meldtown.events.DeadLetter.CATEGORY;
    /** Reserved, not committed, until used. */
    static final long CONSUMER_STACK_BYTES = 1L << 30;
    /** How long a poll waits while partitions are worked on: their ends are noticed within it. */
    private static final Duration BUSY_POLL = Duration.ofMillis(10);
    /** How long a shutdown waits for the records being worked on. */
    private static final Duration DRAIN_AT_SHUTDOWN = Duration.ofSeconds(10);

    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafkaConfig;

    @Inject
    MergeConfig config;

    @Inject
    RecordHandler handler;

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
    private ExecutorService partitionWorkers;
    private final CountDownLatch stopped = new CountDownLatch(1);
    /** The assigned partitions' queues and workers. The map is the poll thread's; each entry is shared with its worker. */
    private final Map<TopicPartition, PartitionWork> partitions = new HashMap<>();
    /** Partitions paused after a record to retry, and when they resume ({@link System#nanoTime}). Poll thread only. */
    private final Map<TopicPartition, Long> resumeAt = new HashMap<>();
    /** Partitions paused because their queue is long (resumed once it is short again). Poll thread only. */
    private final Set<TopicPartition> full = new HashSet<>();

    void start(@Observes StartupEvent ev) {
        if (!config.consume()) {
            stopped.countDown();
            return;
        }
        running = true;
        heartbeat = workers.register("merge consumer", config.maxSilence());
        AtomicInteger n = new AtomicInteger();
        // Large stacks: loading a replica walks its block DAG, and a linear history of thousands of blocks once
        // overflowed the default 1 MiB (seen with 10,000 blocks in bin/bench-merge).
        partitionWorkers = Executors.newFixedThreadPool(Math.max(1, config.concurrency()), task -> {
            Thread t = new Thread(null, task, "meldtown-merge-worker-" + n.incrementAndGet(), CONSUMER_STACK_BYTES);
            t.setDaemon(true);
            return t;
        });
        thread = new Thread(this::run, "meldtown-merge-consumer");
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
        if (partitionWorkers != null) {
            partitionWorkers.shutdownNow();
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
                            // what was done is committed while the partitions are still this instance's
                            drain(c, null);
                        }

                        @Override
                        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                            // documents may have been melded elsewhere meanwhile: reload them from S3
                            replicas.clear();
                            handler.forget();
                        }
                    });
                    try {
                        loop(c);
                    } finally {
                        drain(c, running ? null : DRAIN_AT_SHUTDOWN);
                    }
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
            settle(c);
            if (!stuck()) {
                heartbeat.beat();
            }
            boolean busy = partitions.values().stream().anyMatch(PartitionWork::busy);
            ConsumerRecords<String, byte[]> records = c.poll(busy || !resumeAt.isEmpty() || !full.isEmpty() ? BUSY_POLL : config.pollTimeout());
            for (TopicPartition tp : records.partitions()) {
                if (!running) {
                    break;
                }
                PartitionWork work = partitions.computeIfAbsent(tp, PartitionWork::new);
                if (work.offer(records.records(tp)) > queueLimit() && full.add(tp)) {
                    c.pause(List.of(tp)); // no more until the worker has caught up
                }
            }
            lag(c);
        }
    }

    /** Records queued for one partition before it is paused until its worker catches up. */
    private int queueLimit() {
        return 4 * Math.max(1, config.maxPollRecords());
    }

    /**
     * Commits what the workers finished; seeks back to a record to retry and pauses its partition for the retry
     * backoff; resumes the partitions whose backoff is over or whose queue is short again.
     */
    private void settle(KafkaConsumer<String, byte[]> c) {
        Map<TopicPartition, OffsetAndMetadata> done = new HashMap<>();
        for (PartitionWork work : partitions.values()) {
            long next = work.next;
            if (next > work.committed) {
                done.put(work.tp, new OffsetAndMetadata(next));
            }
            long retryFrom = work.takeRetry();
            if (retryFrom >= 0) {
                c.seek(work.tp, retryFrom);
                c.pause(List.of(work.tp));
                full.remove(work.tp);
                resumeAt.put(work.tp, System.nanoTime() + config.retryBackoff().toNanos());
            }
        }
        if (!done.isEmpty()) {
            c.commitSync(done);
            done.forEach((tp, offset) -> partitions.get(tp).committed = offset.offset());
        }
        long now = System.nanoTime();
        for (Iterator<Map.Entry<TopicPartition, Long>> it = resumeAt.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<TopicPartition, Long> e = it.next();
            if (now - e.getValue() >= 0) {
                c.resume(List.of(e.getKey()));
                it.remove();
            }
        }
        for (Iterator<TopicPartition> it = full.iterator(); it.hasNext(); ) {
            TopicPartition tp = it.next();
            if (partitions.get(tp).queued() <= queueLimit() / 2) {
                c.resume(List.of(tp));
                it.remove();
            }
        }
    }

    /**
     * Stops the workers after their current record (at most {@code limit} when given), then commits what they did;
     * called before partitions are revoked and when the consumer closes. A record still running after {@code limit}
     * is not committed: it comes back, as do the queued ones.
     */
    private void drain(KafkaConsumer<String, byte[]> c, Duration limit) {
        long deadline = limit == null ? Long.MAX_VALUE : System.nanoTime() + limit.toNanos();
        partitions.values().forEach(PartitionWork::stop);
        Map<TopicPartition, OffsetAndMetadata> done = new HashMap<>();
        for (PartitionWork work : partitions.values()) {
            try {
                if (!work.awaitIdle(deadline)) {
                    LOG.warnf("a record of %s was still being worked on after %s; it comes back", work.tp, limit);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            long next = work.next;
            if (next > work.committed) {
                done.put(work.tp, new OffsetAndMetadata(next));
            }
        }
        partitions.clear();
        resumeAt.clear();
        full.clear();
        if (done.isEmpty()) {
            return;
        }
        for (int i = 0; i < 2; i++) {
            try {
                c.commitSync(done);
                return;
            } catch (WakeupException e) {
                // the shutdown's wakeup met the commit: once more
            } catch (RuntimeException e) {
                LOG.warnf("could not commit the offsets of finished records (they come back, and are found done): %s", e.toString());
                return;
            }
        }
    }

    /** A record has been worked on for longer than {@code max-silence}: liveness is to say so. */
    private boolean stuck() {
        long now = System.nanoTime();
        long limit = config.maxSilence().toNanos();
        return partitions.values().stream().anyMatch(w -> w.busy() && now - w.recordStarted > limit);
    }

    /**
     * One partition's queue of records, taken in order by at most one worker at a time: the poll thread offers, the
     * worker takes until the queue is empty or a record is to be retried (then the queue is dropped, and nothing is
     * queued until the poll thread has sought back to that record).
     */
    private final class PartitionWork implements Runnable {
        final TopicPartition tp;
        private final Deque<ConsumerRecord<String, byte[]>> queue = new ArrayDeque<>();
        private boolean working;   // a worker has this partition (guarded by this)
        private boolean stopped;   // drained: take nothing more (guarded by this)
        private long retryFrom = -1; // a record to retry, not yet sought back to by the poll thread (guarded by this)
        volatile long recordStarted = System.nanoTime();
        /** The offset after the last finished record, or -1. */
        volatile long next = -1;
        /** The last offset committed. Poll thread only. */
        long committed = -1;

        PartitionWork(TopicPartition tp) {
            this.tp = tp;
        }

        /** Queues a poll's records and starts a worker if none has the partition; the queue's length. */
        synchronized int offer(List<ConsumerRecord<String, byte[]>> records) {
            if (retryFrom >= 0 || stopped) {
                return queue.size(); // fetched before the poll thread sought back to the record to retry: they come again
            }
            queue.addAll(records);
            if (!working) {
                working = true;
                partitionWorkers.execute(this);
            }
            return queue.size();
        }

        synchronized int queued() {
            return queue.size();
        }

        synchronized boolean busy() {
            return working;
        }

        /** The record to seek back to, once, when the worker has stopped at it; else -1. */
        synchronized long takeRetry() {
            long at = retryFrom;
            retryFrom = -1; // sought back and paused now: the partition's next records are those from it on
            return at;
        }

        synchronized void stop() {
            stopped = true;
            queue.clear();
        }

        synchronized boolean awaitIdle(long deadline) throws InterruptedException {
            while (working) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                wait(Math.max(1, Math.min(TimeUnit.NANOSECONDS.toMillis(left), 100)));
            }
            return true;
        }

        private synchronized ConsumerRecord<String, byte[]> take() {
            ConsumerRecord<String, byte[]> r = stopped || !running ? null : queue.poll();
            if (r == null) {
                working = false;
                notifyAll();
            }
            return r;
        }

        private synchronized void retryFrom(long offset) {
            retryFrom = offset;
            queue.clear();
            working = false;
            notifyAll();
        }

        @Override
        public void run() {
            ConsumerRecord<String, byte[]> r;
            while ((r = take()) != null) {
                recordStarted = System.nanoTime();
                ConsumerRecord<String, byte[]> record = r;
                LogContext.ofRecordKey(r.key(), "doc");
                boolean finished;
                try {
                    // one span per record, child of the producer's (the upload's) trace
                    finished = KafkaTracing.processing(record, config.groupId(), () -> handler.handle(record));
                } catch (RuntimeException | Error e) {
                    LOG.errorf(e, "%s-%d@%d: failed; retrying it in %s", r.topic(), r.partition(), r.offset(), config.retryBackoff());
                    finished = false;
                } finally {
                    LogContext.clear();
                }
                if (finished) {
                    next = r.offset() + 1;
                } else {
                    retryFrom(r.offset());
                    return;
                }
            }
        }
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
