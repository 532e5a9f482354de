package dev.meldtown.service.feed.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.meldtown.events.EventCodec;
import dev.meldtown.service.feed.FeedPosition;
import dev.meldtown.service.feed.FeedSelector;
import dev.meldtown.service.feed.FeedSink;
import io.cloudevents.CloudEvent;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

/**
 * One stream: its own thread polls its own consumer, passes the feed's events on with their position as SSE id,
 * sends a comment when idle, and ends when the client left, fell {@code maxBehind} writes behind (it reconnects with
 * its last id and loses nothing), the stream's time is up, or the service stops.
 */
public final class FeedStream implements Runnable {
    private static final Logger LOG = Logger.getLogger(FeedStream.class);
    private static final Duration POLL = Duration.ofMillis(250);
    private static final long REFRESH_PARTITIONS_NANOS = Duration.ofSeconds(5).toNanos();
    private static final long START_WAIT_NANOS = Duration.ofSeconds(10).toNanos();

    /**
     * @param heartbeat idle time before a comment
     * @param maxBehind writes handed to the connection and not yet done, beyond which the stream stops reading Kafka
     * @param maxStall  how long the stream waits for such a client to catch up before it drops it
     * @param duration  the stream's life
     */
    public record Limits(Duration heartbeat, int maxBehind, Duration maxStall, Duration duration) {
    }

    private final FeedSelector selector;
    private final KafkaConsumer<String, byte[]> consumer;
    private final Map<FeedPosition.Slot, TopicPartition> partitions;
    private final Map<TopicPartition, FeedPosition.Slot> slots = new HashMap<>();
    private final TreeMap<FeedPosition.Slot, Long> position;
    private final FeedSink sink;
    private final Limits limits;
    private final BiConsumer<FeedStream, String> onClose;
    private final AtomicInteger behind = new AtomicInteger();
    private final AtomicBoolean failed = new AtomicBoolean();
    private volatile boolean stopped;

    public FeedStream(FeedSelector selector, KafkaConsumer<String, byte[]> consumer, Map<FeedPosition.Slot, TopicPartition> partitions,
                      Map<FeedPosition.Slot, Long> start, FeedSink sink, Limits limits, BiConsumer<FeedStream, String> onClose) {
        this.selector = selector;
        this.consumer = consumer;
        this.partitions = new TreeMap<>(partitions);
        this.partitions.forEach((slot, tp) -> slots.put(tp, slot));
        this.position = new TreeMap<>(start);
        this.sink = sink;
        this.limits = limits;
        this.onClose = onClose;
    }

    public FeedSelector selector() {
        return selector;
    }

    /** Ends the stream soon (service shutdown). */
    public void stop() {
        stopped = true;
    }

    @Override
    public void run() {
        String reason = "error";
        try {
            reason = stream();
        } catch (RuntimeException | Error e) {
            LOG.warnf(e, "feed stream of tenant %s failed", selector.tenant());
        } finally {
            try {
                consumer.close(Duration.ofSeconds(1));
            } catch (RuntimeException e) {
                LOG.debug("closing a feed consumer", e);
            }
            if ("too-far-behind".equals(reason)) {
                sink.abort();
            } else {
                sink.close();
            }
            onClose.accept(this, reason);
        }
    }

    private String stream() {
        long begun = System.nanoTime();
        while (!sink.started()) {
            if (sink.closed() || System.nanoTime() - begun > START_WAIT_NANOS) {
                return "not-started";
            }
            sleep(10);
        }
        long deadline = begun + limits.duration().toNanos();
        long lastWrite = System.nanoTime();
        long lastRefresh = System.nanoTime();
        while (true) {
            if (stopped) {
                return "shutdown";
            }
            if (sink.closed() || failed.get()) {
                return "client-left";
            }
            if (behind.get() >= limits.maxBehind() && !caughtUp()) {
                LOG.infof("feed stream of tenant %s closed: the client stayed %d writes behind for %s", selector.tenant(),
                        limits.maxBehind(), limits.maxStall());
                return "too-far-behind";
            }
            if (System.nanoTime() - deadline > 0) {
                return "duration";
            }
            if (System.nanoTime() - lastRefresh > REFRESH_PARTITIONS_NANOS) {
                refreshPartitions();
                lastRefresh = System.nanoTime();
            }
            ConsumerRecords<String, byte[]> records = partitions.isEmpty() ? ConsumerRecords.empty() : consumer.poll(POLL);
            if (partitions.isEmpty()) {
                sleep(POLL.toMillis());
            }
            for (ConsumerRecord<String, byte[]> record : records) {
                FeedPosition.Slot slot = slots.get(new TopicPartition(record.topic(), record.partition()));
                position.put(slot, record.offset() + 1);
                String[] event = event(record);
                if (event != null) {
                    track(sink.event(new FeedPosition(selector.kind(), position).encode(), event[0], event[1]));
                    lastWrite = System.nanoTime();
                }
            }
            if (System.nanoTime() - lastWrite > limits.heartbeat().toNanos()) {
                track(sink.comment("keep-alive"));
                lastWrite = System.nanoTime();
            }
        }
    }

    /**
     * Waits (reading nothing more from Kafka, so the events wait there and not in memory) until the client took some of
     * what it was sent; false when it did not within {@code maxStall}, or left.
     */
    private boolean caughtUp() {
        long until = System.nanoTime() + limits.maxStall().toNanos();
        while (behind.get() >= limits.maxBehind()) {
            if (stopped || sink.closed() || failed.get() || System.nanoTime() - until > 0) {
                return false;
            }
            sleep(5);
        }
        return true;
    }

    private void track(java.util.concurrent.CompletionStage<?> write) {
        behind.incrementAndGet();
        write.whenComplete((ok, error) -> {
            behind.decrementAndGet();
            if (error != null) {
                failed.set(true);
            }
        });
    }

    /** The event's type and its CloudEvent JSON when the record is one of the feed's events, else null. */
    private String[] event(ConsumerRecord<String, byte[]> record) {
        if (!selector.keyMatches(record.key()) || record.value() == null) {
            return null;
        }
        try {
            CloudEvent event = EventCodec.decode(record.value());
            if (event.getData() == null) {
                return null;
            }
            JsonNode data = EventCodec.mapper().readTree(event.getData().toBytes());
            JsonNode tenant = data == null ? null : data.get("tenant");
            if (!selector.eventMatches(record.key(), event.getType(), event.getSubject(), tenant == null ? null : tenant.asText(null))) {
                return null;
            }
            return new String[] {event.getType(), new String(record.value(), StandardCharsets.UTF_8)};
        } catch (EventCodec.InvalidEventException | java.io.IOException e) {
            LOG.debugf("feed skips an undecodable record at %s-%d@%d: %s", record.topic(), record.partition(), record.offset(), e.getMessage());
            return null;
        }
    }

    /** Partitions created since the stream opened (a topic created by its first event, or grown) are read from their beginning. */
    private void refreshPartitions() {
        Map<String, List<PartitionInfo>> all;
        try {
            all = consumer.listTopics(Duration.ofSeconds(2));
        } catch (RuntimeException e) {
            return; // Kafka away: keep reading what is assigned
        }
        List<TopicPartition> added = new ArrayList<>();
        for (int t = 0; t < selector.topics().size(); t++) {
            for (PartitionInfo info : all.getOrDefault(selector.topics().get(t), List.of())) {
                FeedPosition.Slot slot = new FeedPosition.Slot(t, info.partition());
                if (!partitions.containsKey(slot)) {
                    TopicPartition tp = new TopicPartition(info.topic(), info.partition());
                    partitions.put(slot, tp);
                    slots.put(tp, slot);
                    added.add(tp);
                }
            }
        }
        if (!added.isEmpty()) {
            consumer.assign(partitions.values());
            consumer.seekToBeginning(added);
            for (TopicPartition tp : added) {
                position.put(slots.get(tp), consumer.position(tp, Duration.ofSeconds(2)));
            }
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
