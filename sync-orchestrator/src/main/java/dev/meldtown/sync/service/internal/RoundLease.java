package dev.meldtown.sync.service.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.meldtown.events.EventCodec;
import dev.meldtown.storage.s3.BucketLayout;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Makes each scheduled round of a federation run exactly once across every orchestrator instance that shares the
 * S3 bucket, with claim objects written with {@code If-None-Match: *} (which S3, and S3Proxy, apply atomically:
 * of several writers of one key exactly one succeeds, the others get 412).
 *
 * <ul>
 *   <li>{@code sync/tenants/{tenant}/rounds/{federation}.json} is the federation's schedule: an anchor time and the
 *       interval. The first instance that sees the federation creates it ({@code If-None-Match: *}) with the anchor one
 *       interval's jitter (up to 10 %) after now, so round 1 comes one interval (plus jitter) later.</li>
 *   <li>Round {@code n} is due at {@code anchor + n × interval}. The instance that finds round {@code n} due writes the
 *       claim {@code sync/tenants/{tenant}/rounds/{federation}/{anchorMillis}-{n}.json} with {@code If-None-Match: *};
 *       only the instance whose write succeeds runs the round. Rounds missed while no instance ran are not made up.</li>
 *   <li>There is no owner to wait for: when an instance dies, the next due round is claimed by another one.</li>
 *   <li>A changed interval gives a new schedule (new anchor); claims older than three rounds are deleted.</li>
 * </ul>
 * Instances must have clocks within a fraction of the interval of each other (NTP).
 */
public final class RoundLease {
    private static final ObjectMapper JSON = EventCodec.mapper();
    private static final int KEEP_CLAIMS = 3;

    /** The schedule of one federation. */
    public record Schedule(Instant anchor, int intervalSeconds) {
    }

    /** What a claim object holds. */
    public record ClaimRecord(long round, String owner, Instant claimedAt) {
    }

    /** A round this instance won and must run. */
    public record Claim(String tenant, String federation, long round, Instant claimedAt) {
    }

    private final S3Client s3;
    private final String bucket;
    private final String owner;
    private final Clock clock;

    public RoundLease(S3Client s3, String bucket, String owner, Clock clock) {
        this.s3 = s3;
        this.bucket = bucket;
        this.owner = owner;
        this.clock = clock;
    }

    public String owner() {
        return owner;
    }

    /** The schedule object of a federation. */
    public static String key(String tenant, String federation) {
        return BucketLayout.Sync.rounds(tenant, federation);
    }

    /** The prefix of a federation's claim objects. */
    public static String claimsPrefix(String tenant, String federation) {
        return BucketLayout.Sync.roundClaims(tenant, federation);
    }

    static String claimKey(String tenant, String federation, Schedule schedule, long round) {
        return claimsPrefix(tenant, federation) + schedule.anchor().toEpochMilli() + "-" + round + ".json";
    }

    /** Claims the federation's current round when it is due and no instance claimed it before. */
    public Optional<Claim> claimIfDue(String tenant, String federation, int intervalSeconds) {
        Instant now = clock.instant();
        Optional<Schedule> stored = read(key(tenant, federation), Schedule.class);
        if (stored.isEmpty() || stored.get().intervalSeconds() != intervalSeconds) {
            if (stored.isPresent()) {
                // the interval changed: a new schedule (two instances may race here; If-None-Match picks one)
                s3.deleteObject(b -> b.bucket(bucket).key(key(tenant, federation)));
            }
            long jitter = ThreadLocalRandom.current().nextLong(intervalSeconds * 100L + 1);
            create(key(tenant, federation), new Schedule(now.plusMillis(jitter), intervalSeconds));
            return Optional.empty();
        }
        Schedule schedule = stored.get();
        long elapsed = now.toEpochMilli() - schedule.anchor().toEpochMilli();
        long round = elapsed < 0 ? 0 : elapsed / (intervalSeconds * 1000L);
        if (round < 1) {
            return Optional.empty();
        }
        if (!create(claimKey(tenant, federation, schedule, round), new ClaimRecord(round, owner, now))) {
            return Optional.empty(); // another instance has this round
        }
        if (round > KEEP_CLAIMS) {
            try {
                s3.deleteObject(b -> b.bucket(bucket).key(claimKey(tenant, federation, schedule, round - KEEP_CLAIMS)));
            } catch (RuntimeException ignored) {
                // best effort: a stale claim is only a small object
            }
        }
        return Optional.of(new Claim(tenant, federation, round, now));
    }

    /** Who claimed a round of the federation's current schedule, if anyone. */
    public Optional<ClaimRecord> claim(String tenant, String federation, long round) {
        return read(key(tenant, federation), Schedule.class)
                .flatMap(s -> read(claimKey(tenant, federation, s, round), ClaimRecord.class));
    }

    /**
     * {@code If-None-Match: *}: false when the object exists already. A retried write that meets an object holding
     * {@code value} (a record naming this owner and the instant it was taken) met its own first attempt, whose answer
     * was lost: true. Only then is the object read back; a plain lost race costs no read.
     */
    private boolean create(String key, Object value) {
        byte[] bytes;
        try {
            bytes = JSON.writeValueAsBytes(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            s3.putObject(b -> b.bucket(bucket).key(key).contentType("application/json").ifNoneMatch("*"), RequestBody.fromBytes(bytes));
            return true;
        } catch (S3Exception e) {
            if (e.statusCode() == 412 || e.statusCode() == 409) {
                return e.numAttempts() != null && e.numAttempts() > 1 && read(key, value.getClass()).filter(value::equals).isPresent();
            }
            throw e;
        }
    }

    private <T> Optional<T> read(String key, Class<T> type) {
        byte[] bytes;
        try {
            bytes = s3.getObjectAsBytes(b -> b.bucket(bucket).key(key)).asByteArray();
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        }
        try {
            return Optional.of(JSON.readValue(bytes, type));
        } catch (IOException e) {
            throw new UncheckedIOException("unreadable " + key, e);
        }
    }
}
