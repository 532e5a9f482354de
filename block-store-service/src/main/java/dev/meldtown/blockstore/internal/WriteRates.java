package dev.meldtown.blockstore.internal;

import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The write-rate limit (issue 14): a token bucket per tenant and instance, refilled at
 * {@code writesPerSecond / meldtown.quotas.instances} (the deployment's number of instances behind the load balancer)
 * and holding one second's worth.
 */
@ApplicationScoped
public class WriteRates {
    @ConfigProperty(name = "meldtown.quotas.instances", defaultValue = "1")
    int instances;

    private static final class Bucket {
        double tokens;
        long last;
        double rate;
    }

    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

    /**
     * Takes one write for {@code tenant} under a limit of {@code perSecond} for the whole deployment.
     *
     * @return 0 when taken, else the nanoseconds until one is available
     */
    long acquire(String tenant, long perSecond) {
        double rate = Math.max(perSecond / (double) Math.max(1, instances), 1e-9);
        Bucket bucket = buckets.computeIfAbsent(tenant, t -> new Bucket());
        synchronized (bucket) {
            long now = System.nanoTime();
            double capacity = Math.max(1.0, rate);
            if (bucket.last == 0 || bucket.rate != rate) {
                bucket.tokens = capacity;
                bucket.rate = rate;
            } else {
                bucket.tokens = Math.min(capacity, bucket.tokens + (now - bucket.last) / 1e9 * rate);
            }
            bucket.last = now;
            if (bucket.tokens >= 1.0) {
                bucket.tokens -= 1.0;
                return 0;
            }
            return Math.max(1, (long) ((1.0 - bucket.tokens) / rate * 1e9));
        }
    }

    /** The tenant's bucket starts full again (its limit changed, or it was deleted). */
    void forget(String tenant) {
        buckets.remove(tenant);
    }
}
