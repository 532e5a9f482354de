package dev.meldtown.sync.service;

import dev.meldtown.sync.service.internal.TargetRules;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Limits on every request shape that scales the service's work, and the allow-list of server-side targets.
 * Each is checked before any work starts and answers 400 problem+json; sync-orchestrator/README.md lists them.
 */
@ApplicationScoped
public class SyncLimits {
    /** Towns in one federation (a mesh round is n × (n − 1) syncs). */
    @ConfigProperty(name = "meldtown.sync-limits.federation-towns", defaultValue = "64")
    int federationTowns;

    /** Peers of one town. */
    @ConfigProperty(name = "meldtown.sync-limits.peers-per-town", defaultValue = "64")
    int peersPerTown;

    /** Towns registered in one tenant. */
    @ConfigProperty(name = "meldtown.sync-limits.towns-per-tenant", defaultValue = "256")
    int townsPerTenant;

    /** Federations of one tenant (each scheduled one is looked at on every tick). */
    @ConfigProperty(name = "meldtown.sync-limits.federations-per-tenant", defaultValue = "64")
    int federationsPerTenant;

    /** Largest {@code intervalSeconds} of a federation (7 days); the smallest is 1. */
    @ConfigProperty(name = "meldtown.sync-limits.interval-seconds-max", defaultValue = "604800")
    int intervalSecondsMax;

    /** Longest SQL password, in characters. */
    @ConfigProperty(name = "meldtown.sync-limits.password-length", defaultValue = "1024")
    int passwordLength;

    /**
     * Hosts that town SQL servers and remotesapi URLs may name: exact names or addresses, or {@code *.suffix}
     * patterns ({@code *} alone allows any host). Only {@code http}/{@code https} remotesapi URLs are accepted.
     */
    @ConfigProperty(name = "meldtown.sync-targets.allowed-hosts", defaultValue = "127.0.0.1,localhost,::1,*.svc,*.svc.cluster.local")
    List<String> allowedHosts;

    private volatile TargetRules rules;

    public int federationTowns() {
        return federationTowns;
    }

    public int peersPerTown() {
        return peersPerTown;
    }

    public int townsPerTenant() {
        return townsPerTenant;
    }

    public int federationsPerTenant() {
        return federationsPerTenant;
    }

    public int intervalSecondsMax() {
        return intervalSecondsMax;
    }

    public int passwordLength() {
        return passwordLength;
    }

    public TargetRules targets() {
        TargetRules r = rules;
        if (r == null) {
            r = new TargetRules(allowedHosts);
            rules = r;
        }
        return r;
    }
}
