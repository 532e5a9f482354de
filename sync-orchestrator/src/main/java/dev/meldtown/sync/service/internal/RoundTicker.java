package dev.meldtown.sync.service.internal;

import java.util.List;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/**
 * One tick of the federation scheduler, without Quarkus: for every scheduled federation, claim its round through
 * the {@link RoundLease} and run it only when this instance won the claim. A failure of one federation (S3, a
 * round, even an {@link Error}) is logged loudly and never stops the others or the next tick.
 */
public final class RoundTicker {
    private static final Logger LOG = Logger.getLogger(RoundTicker.class);

    /** A federation with an interval. */
    public record Scheduled(String tenant, String federation, int intervalSeconds) {
    }

    private final RoundLease lease;

    public RoundTicker(RoundLease lease) {
        this.lease = lease;
    }

    public RoundLease lease() {
        return lease;
    }

    /** Runs every due round this instance claims; returns how many it ran. */
    public int tick(List<Scheduled> federations, Consumer<RoundLease.Claim> round) {
        int ran = 0;
        for (Scheduled f : federations) {
            java.util.Optional<RoundLease.Claim> claim;
            try {
                claim = lease.claimIfDue(f.tenant(), f.federation(), f.intervalSeconds());
            } catch (RuntimeException e) {
                LOG.warnf("could not claim the round of %s/%s: %s", f.tenant(), f.federation(), e.toString());
                continue;
            }
            if (claim.isEmpty()) {
                continue;
            }
            try {
                round.accept(claim.get());
                ran++;
            } catch (RuntimeException e) {
                LOG.warnf("scheduled round %d of %s/%s failed: %s", claim.get().round(), f.tenant(), f.federation(), e.toString());
            } catch (Error e) {
                LOG.errorf(e, "scheduled round %d of %s/%s failed with an Error; the scheduler goes on", claim.get().round(),
                        f.tenant(), f.federation());
            }
        }
        return ran;
    }
}
