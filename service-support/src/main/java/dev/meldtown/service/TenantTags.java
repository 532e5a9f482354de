package dev.meldtown.service;

import jakarta.enterprise.context.ApplicationScoped;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The {@code tenant} tag of per-tenant metrics, with bounded cardinality (issue 15 item 4): the first
 * {@code meldtown.metrics.max-tenants} (default 100) tenants an instance sees keep their name, every later one is
 * counted as {@code other}. So an instance exports at most that many series per per-tenant meter whatever the number
 * of tenants; the named ones are the tenants active since the instance started.
 */
@ApplicationScoped
public class TenantTags {
    public static final String OTHER = "other";

    @ConfigProperty(name = "meldtown.metrics.max-tenants", defaultValue = "100")
    int maxTenants;

    private final Set<String> named = ConcurrentHashMap.newKeySet();

    /** The tag value for {@code tenant}: its name while fewer than the limit are named, else {@code other}. */
    public String of(String tenant) {
        if (named.contains(tenant)) {
            return tenant;
        }
        synchronized (named) {
            if (named.size() < maxTenants) {
                named.add(tenant);
                return tenant;
            }
        }
        return OTHER;
    }
}
