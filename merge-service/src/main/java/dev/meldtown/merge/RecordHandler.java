package dev.meldtown.merge;

import dev.meldtown.crdt.MissingKeyException;
import dev.meldtown.crdt.StorageException;
import dev.meldtown.events.DeadLetter;
import dev.meldtown.events.Topics;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * What becomes of one consumed record: processed, dead-lettered, or to be retried. A poison record goes to
 * {@code meldtown.merges.dlq} (original key and value; headers {@code meldtown-dlq-reason}, {@code -category},
 * {@code -topic}, {@code -partition}, {@code -offset}); a transient failure (S3 or Kafka unavailable) is retried for
 * as long as it takes; any other failure is retried {@code max-attempts} times, then dead-lettered. Called for the
 * records of several partitions at once, one record of a partition at a time.
 */
@ApplicationScoped
public class RecordHandler {
    private static final Logger LOG = Logger.getLogger(RecordHandler.class);

    @Inject
    MergeConfig config;

    @Inject
    MergeProcessor processor;

    @Inject
    Publisher publisher;

    @Inject
    MergeMetrics metrics;

    /** The record of each partition that failed last, and how many times in a row. */
    private final Map<TopicPartition, Attempts> attempts = new ConcurrentHashMap<>();

    private record Attempts(long offset, int count) {
    }

    /** Processes one record; true when it is finished (done or dead-lettered), false to retry it. */
    public boolean handle(ConsumerRecord<String, byte[]> r) {
        TopicPartition tp = new TopicPartition(r.topic(), r.partition());
        try {
            boolean did = !processor.process(r.key(), r.value()).isEmpty();
            metrics.event(did ? "completed" : "ignored");
            attempts.remove(tp);
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

    /** Forgets the failed attempts of partitions this instance no longer owns (their next owner counts afresh). */
    public void forget() {
        attempts.clear();
    }

    private boolean retry(ConsumerRecord<String, byte[]> r, Exception e) {
        LOG.warnf("%s-%d@%d: transient failure, retrying: %s", r.topic(), r.partition(), r.offset(), e.getMessage());
        metrics.event("retried");
        return false;
    }

    private boolean failedAttempt(ConsumerRecord<String, byte[]> r, RuntimeException e) {
        TopicPartition tp = new TopicPartition(r.topic(), r.partition());
        Attempts last = attempts.get(tp);
        int count = last != null && last.offset() == r.offset() ? last.count() + 1 : 1;
        LOG.warnf(e, "%s-%d@%d: attempt %d failed", r.topic(), r.partition(), r.offset(), count);
        if (count >= config.maxAttempts()) {
            attempts.remove(tp);
            return deadLetter(r, "failed", "failed " + count + " times: " + e);
        }
        attempts.put(tp, new Attempts(r.offset(), count));
        metrics.event("retried");
        return false;
    }

    private boolean deadLetter(ConsumerRecord<String, byte[]> r, String category, String reason) {
        LOG.warnf("%s-%d@%d dead-lettered (%s): %s", r.topic(), r.partition(), r.offset(), category, reason);
        try {
            publisher.send(Topics.MERGES_DLQ, r.key(), r.value(), DeadLetter.headers(category, reason, r.topic(), r.partition(), r.offset()));
        } catch (Publisher.TransientException e) {
            return retry(r, e);
        }
        metrics.event("dead-lettered");
        return true;
    }
}
