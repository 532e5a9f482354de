package dev.meldtown.blockstore.internal;

import dev.meldtown.blockstore.internal.Quotas.Limits;
import dev.meldtown.events.EventCodec;
import dev.meldtown.service.S3Config;
import dev.meldtown.storage.s3.BucketLayout;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

/**
 * A tenant's quota limits (issue 14): the deployment's defaults ({@code meldtown.quotas.max-bytes},
 * {@code .max-documents}, {@code .writes-per-second}; absent = no limit), overridden per tenant by an operator in
 * {@link BucketLayout.Quotas#limits}, read through a cache of {@code meldtown.quotas.limits-cache} (limits change
 * seldom; an instance sees its own change at once).
 */
@ApplicationScoped
public class QuotaLimits {
    @Inject
    S3Client s3;

    @Inject
    S3Config s3Config;

    @ConfigProperty(name = "meldtown.quotas.max-bytes")
    Optional<Long> defaultMaxBytes;

    @ConfigProperty(name = "meldtown.quotas.max-documents")
    Optional<Long> defaultMaxDocuments;

    @ConfigProperty(name = "meldtown.quotas.writes-per-second")
    Optional<Long> defaultWritesPerSecond;

    @ConfigProperty(name = "meldtown.quotas.limits-cache", defaultValue = "PT10S")
    Duration limitsTtl;

    private record CachedLimits(Limits override, long expiresAt) {
    }

    private final Map<String, CachedLimits> cache = new ConcurrentHashMap<>();

    public Limits defaults() {
        return new Limits(defaultMaxBytes.orElse(null), defaultMaxDocuments.orElse(null), defaultWritesPerSecond.orElse(null));
    }

    /** The limits in force: each field of the operator's override, else the deployment's default. */
    public Limits limits(String tenant) {
        Limits o = override(tenant);
        Limits d = defaults();
        return o == null ? d : new Limits(o.maxBytes() != null ? o.maxBytes() : d.maxBytes(),
                o.maxDocuments() != null ? o.maxDocuments() : d.maxDocuments(),
                o.writesPerSecond() != null ? o.writesPerSecond() : d.writesPerSecond());
    }

    /** Whether an operator set limits for the tenant. */
    public boolean overridden(String tenant) {
        return override(tenant) != null;
    }

    /** Stores an operator's limits (all fields null: the override is removed, the tenant is back on the defaults). */
    void set(String tenant, Limits limits) {
        boolean none = limits.maxBytes() == null && limits.maxDocuments() == null && limits.writesPerSecond() == null;
        if (none) {
            s3.deleteObject(b -> b.bucket(s3Config.bucket()).key(BucketLayout.Quotas.limits(tenant)));
        } else {
            try {
                byte[] json = EventCodec.mapper().writeValueAsBytes(limits);
                s3.putObject(b -> b.bucket(s3Config.bucket()).key(BucketLayout.Quotas.limits(tenant)).contentType("application/json"),
                        RequestBody.fromBytes(json));
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
        cache.put(tenant, new CachedLimits(none ? null : limits, System.nanoTime() + limitsTtl.toNanos()));
    }

    /** A deleted tenant's cached override goes. */
    void forget(String tenant) {
        cache.remove(tenant);
    }

    /** A limit as this instance knows it, for a gauge (no S3 request during a scrape): -1 when there is none. */
    double known(String tenant, Function<Limits, Long> field) {
        CachedLimits c = cache.get(tenant);
        Long o = c == null || c.override() == null ? null : field.apply(c.override());
        Long v = o != null ? o : field.apply(defaults());
        return v == null ? -1 : v;
    }

    /** The operator's override, or null. */
    private Limits override(String tenant) {
        long now = System.nanoTime();
        CachedLimits cached = cache.get(tenant);
        if (cached != null && cached.expiresAt() - now > 0) {
            return cached.override();
        }
        Limits override;
        try {
            byte[] json = s3.getObjectAsBytes(b -> b.bucket(s3Config.bucket()).key(BucketLayout.Quotas.limits(tenant))).asByteArray();
            override = EventCodec.mapper().readValue(json, Limits.class);
        } catch (NoSuchKeyException e) {
            override = null;
        } catch (IOException e) {
            throw new IllegalStateException("unreadable limits of tenant " + tenant, e);
        }
        cache.put(tenant, new CachedLimits(override, now + limitsTtl.toNanos()));
        return override;
    }
}
