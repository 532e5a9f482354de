package dev.meldtown.service.feed;

import dev.meldtown.service.DependencyUnavailableException;
import dev.meldtown.service.KafkaReadinessCheck;
import dev.meldtown.service.ProblemException;
import dev.meldtown.service.feed.internal.FeedStream;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.common.annotation.Identifier;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Live change feeds over Server-Sent Events, read from Kafka (issue 13): each stream has its own consumer, assigned
 * to the feed's topic partitions (no consumer group, nothing committed) and positioned at the {@code Last-Event-ID}'s
 * offsets or at the end, and its own thread, so a slow client only ever holds up itself. Everything that can refuse a
 * stream (a malformed id, the stream limits, Kafka away) is decided in {@link #open} before the response starts, so
 * it is a problem+json answer.
 */
@ApplicationScoped
public class ChangeFeeds {
    private static final Logger LOG = Logger.getLogger(ChangeFeeds.class);

    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafkaConfig;

    @Inject
    @org.eclipse.microprofile.health.Readiness
    KafkaReadinessCheck kafka;

    @Inject
    MeterRegistry metrics;

    @ConfigProperty(name = "quarkus.application.name", defaultValue = "meldtown")
    String application;

    /** Streams open at once on this instance. */
    @ConfigProperty(name = "meldtown.feeds.max-streams", defaultValue = "64")
    int maxStreams;

    /** Streams open at once for one tenant on this instance. */
    @ConfigProperty(name = "meldtown.feeds.max-streams-per-tenant", defaultValue = "16")
    int maxStreamsPerTenant;

    /** A comment line is sent when nothing else was for this long. */
    @ConfigProperty(name = "meldtown.feeds.heartbeat", defaultValue = "PT15S")
    Duration heartbeat;

    /** Events (and heartbeats) handed to a connection but not yet written to it: the stream reads no more from Kafka until it drains. */
    @ConfigProperty(name = "meldtown.feeds.max-behind", defaultValue = "256")
    int maxBehind;

    /** A client that takes nothing of its full buffer for this long is too far behind: its stream is dropped. */
    @ConfigProperty(name = "meldtown.feeds.max-stall", defaultValue = "PT30S")
    Duration maxStall;

    /** A stream ends after this long; clients reconnect with Last-Event-ID (also spreads them over instances). */
    @ConfigProperty(name = "meldtown.feeds.max-duration", defaultValue = "PT1H")
    Duration maxDuration;

    /** How long opening a stream waits for Kafka's partition metadata and offsets. */
    @ConfigProperty(name = "meldtown.feeds.connect-timeout", defaultValue = "PT5S")
    Duration connectTimeout;

    private final AtomicInteger open = new AtomicInteger();
    /** Open streams per tenant (guarded by this; a tenant without streams has no entry). */
    private final Map<String, Integer> perTenant = new HashMap<>();
    private final Set<FeedStream> streams = ConcurrentHashMap.newKeySet();
    private final AtomicLong ids = new AtomicLong();

    @jakarta.annotation.PostConstruct
    void gauge() {
        metrics.gauge("meldtown.feeds.streams.open", open);
    }

    /** Streams open now on this instance. */
    public int open() {
        return open.get();
    }

    /**
     * The {@code maxSeconds} query parameter: null when absent, else an integer from 1 to
     * {@code meldtown.feeds.max-duration}; 400 {@code invalid-request} otherwise.
     */
    public Duration duration(String maxSeconds) {
        if (maxSeconds == null) {
            return null;
        }
        long max = maxDuration.toSeconds();
        try {
            long seconds = Long.parseLong(maxSeconds.strip());
            if (seconds >= 1 && seconds <= max) {
                return Duration.ofSeconds(seconds);
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        String shown = maxSeconds.length() > 40 ? maxSeconds.substring(0, 40) + "…" : maxSeconds;
        throw new ProblemException(400, "invalid-request", "Bad Request", "maxSeconds must be an integer from 1 to " + max + ", got '" + shown + "'");
    }

    /**
     * Opens a stream of {@code selector}'s events into {@code sink}, after the position {@code lastEventId} (null or
     * blank: from now on), for at most {@code duration} (null: {@code meldtown.feeds.max-duration}).
     *
     * @throws ProblemException 400 for an id this feed did not give out, 503 when the stream limits are reached or Kafka
     *                          cannot be read (with Retry-After)
     */
    public void open(FeedSelector selector, String lastEventId, Duration duration, FeedSink sink) {
        FeedPosition resume = lastEventId == null || lastEventId.isBlank() ? null
                : FeedPosition.decode(lastEventId.strip(), selector.kind(), selector.topics().size());
        Duration length = duration == null || duration.compareTo(maxDuration) > 0 ? maxDuration : duration;
        acquire(selector.tenant());
        KafkaConsumer<String, byte[]> consumer = null;
        FeedStream stream = null;
        try {
            if (!kafka.up()) {
                throw eventsUnavailable(null);
            }
            consumer = consumer();
            Map<FeedPosition.Slot, TopicPartition> partitions = partitions(consumer, selector);
            Map<FeedPosition.Slot, Long> start = position(consumer, partitions, resume);
            stream = new FeedStream(selector, consumer, partitions, start, sink,
                    new FeedStream.Limits(heartbeat, maxBehind, maxStall, length), this::closed);
            sink.noCaching();
            Thread thread = new Thread(stream, "meldtown-feed-" + selector.kind() + "-" + ids.incrementAndGet());
            thread.setDaemon(true);
            metrics.counter("meldtown.feeds.streams.opened", "feed", selector.kind()).increment();
            streams.add(stream);
            thread.start(); // from here on the stream releases its place itself (closed)
        } catch (RuntimeException | Error e) {
            if (stream != null) {
                streams.remove(stream);
            }
            if (consumer != null) {
                closeQuietly(consumer);
            }
            release(selector.tenant());
            if (e instanceof ProblemException) {
                throw e;
            }
            if (e instanceof KafkaException) {
                throw eventsUnavailable(e);
            }
            throw e;
        }
    }

    private void closed(FeedStream stream, String reason) {
        if (streams.remove(stream)) {
            release(stream.selector().tenant());
            metrics.counter("meldtown.feeds.streams.closed", "feed", stream.selector().kind(), "reason", reason).increment();
            LOG.debugf("feed stream %s of tenant %s closed: %s", stream.selector().kind(), stream.selector().tenant(), reason);
        }
    }

    private synchronized void acquire(String tenant) {
        if (open.get() >= maxStreams) {
            throw full("this instance already serves " + maxStreams + " streams (meldtown.feeds.max-streams)");
        }
        int mine = perTenant.getOrDefault(tenant, 0);
        if (mine >= maxStreamsPerTenant) {
            throw full("tenant " + tenant + " already has " + maxStreamsPerTenant + " streams on this instance (meldtown.feeds.max-streams-per-tenant)");
        }
        open.incrementAndGet();
        perTenant.put(tenant, mine + 1);
    }

    private synchronized void release(String tenant) {
        open.decrementAndGet();
        perTenant.computeIfPresent(tenant, (t, n) -> n <= 1 ? null : n - 1);
    }

    private static ProblemException full(String detail) {
        return new ProblemException(503, "too-many-streams", "Service Unavailable", detail + "; try again later", Map.of());
    }

    private static DependencyUnavailableException eventsUnavailable(Throwable cause) {
        return new DependencyUnavailableException("events", "the event store (Kafka) is not available; try again later", cause);
    }

    private KafkaConsumer<String, byte[]> consumer() {
        Map<String, Object> config = new HashMap<>(kafkaConfig);
        config.remove(ConsumerConfig.GROUP_ID_CONFIG);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, application + "-feed-" + ids.incrementAndGet());
        config.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) connectTimeout.toMillis());
        config.put(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) connectTimeout.toMillis());
        config.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 256 * 1024);
        config.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, 1024 * 1024);
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 200);
        config.put(ConsumerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 2000);
        return new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer());
    }

    /** Every partition of the feed's topics; a topic that does not exist yet has none (it has no events either). */
    private Map<FeedPosition.Slot, TopicPartition> partitions(KafkaConsumer<String, byte[]> consumer, FeedSelector selector) {
        Map<FeedPosition.Slot, TopicPartition> partitions = new java.util.TreeMap<>();
        List<String> topics = selector.topics();
        Map<String, List<PartitionInfo>> all = consumer.listTopics(connectTimeout);
        for (int t = 0; t < topics.size(); t++) {
            for (PartitionInfo info : all.getOrDefault(topics.get(t), List.of())) {
                partitions.put(new FeedPosition.Slot(t, info.partition()), new TopicPartition(info.topic(), info.partition()));
            }
        }
        return partitions;
    }

    /**
     * Assigns the partitions and seeks: to the id's offsets (a partition the id does not name, created since, from its
     * beginning), or to the end without an id. Resolves every position now, so events published after the answer's
     * head reached the client are never missed.
     */
    private Map<FeedPosition.Slot, Long> position(KafkaConsumer<String, byte[]> consumer, Map<FeedPosition.Slot, TopicPartition> partitions,
                                                  FeedPosition resume) {
        consumer.assign(partitions.values());
        Map<FeedPosition.Slot, Long> start = new java.util.TreeMap<>();
        if (partitions.isEmpty()) {
            if (resume != null && !resume.offsets().isEmpty()) {
                throw FeedPosition.invalid("it names partitions this feed does not have");
            }
            return start;
        }
        if (resume == null) {
            consumer.seekToEnd(partitions.values());
        } else {
            for (FeedPosition.Slot slot : resume.offsets().keySet()) {
                if (!partitions.containsKey(slot)) {
                    throw FeedPosition.invalid("it names a partition this feed does not have");
                }
            }
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions.values(), connectTimeout);
            Map<TopicPartition, Long> beginnings = consumer.beginningOffsets(partitions.values(), connectTimeout);
            for (Map.Entry<FeedPosition.Slot, TopicPartition> e : partitions.entrySet()) {
                TopicPartition tp = e.getValue();
                Long offset = resume.offsets().get(e.getKey());
                long from = offset == null ? beginnings.get(tp) : offset;
                if (from > ends.get(tp)) {
                    throw FeedPosition.invalid("it is ahead of the feed");
                }
                // Records before the log start were deleted by retention: the stream goes on from the oldest one kept.
                consumer.seek(tp, Math.max(from, beginnings.get(tp)));
            }
        }
        for (Map.Entry<FeedPosition.Slot, TopicPartition> e : partitions.entrySet()) {
            start.put(e.getKey(), consumer.position(e.getValue(), connectTimeout));
        }
        return start;
    }

    private static void closeQuietly(KafkaConsumer<?, ?> consumer) {
        try {
            consumer.close(Duration.ZERO);
        } catch (RuntimeException e) {
            LOG.debug("closing a feed consumer", e);
        }
    }

    @PreDestroy
    void shutdown() {
        new ArrayList<>(streams).forEach(FeedStream::stop);
    }
}
