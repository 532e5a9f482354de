package dev.meldtown.sync.service;

import dev.meldtown.events.Payloads;
import dev.meldtown.service.ProblemException;
import dev.meldtown.sync.federation.KeptConflicts;
import dev.meldtown.sync.federation.RowChoice;
import dev.meldtown.sync.federation.RowResolutionException;
import dev.meldtown.sync.service.internal.SyncMetrics;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * What the service keeps per (town, peer) besides the last ledger entry: the history of past SyncResults, and the
 * row conflicts a {@code manual} sync kept, with their row-level resolution.
 */
@ApplicationScoped
public class PeerRecords {
    /** {@code GET …/syncs} without {@code limit}. */
    static final int DEFAULT_LIMIT = 20;

    @Inject
    FederationService federation;

    @Inject
    Registry registry;

    @Inject
    SyncEvents events;

    @Inject
    SyncMetrics metrics;

    /** The pair's past results, newest first; {@code limit} is between 1 and the kept number ({@code null}: 20). */
    public List<Payloads.SyncResult> history(String tenant, String town, String peer, Integer limit) {
        knownPeer(tenant, town, peer);
        int max = registry.historyPerPeer();
        if (limit != null && (limit < 1 || limit > max)) {
            throw FederationService.badRequest("limit must be between 1 and meldtown.sync-ledger.history-per-peer (" + max + ")");
        }
        List<Payloads.SyncResult> out = new ArrayList<>();
        for (var r : registry.ledger(tenant).history(town, peer, limit == null ? DEFAULT_LIMIT : limit)) {
            // a town failure's cause stays in the log, as in the answer to the operation itself
            out.add(FederationService.isTownFailure(r) ? FederationService.withError(r,
                    new Payloads.Error(dev.meldtown.sync.federation.ErrorCategory.TRANSPORT.wire(), FederationService.TOWN_UNREACHABLE)) : r);
        }
        return out;
    }

    /** The kept row conflicts of the pair; 404 when there are none. */
    public Model.ConflictSetView conflicts(String tenant, String town, String peer) {
        knownPeer(tenant, town, peer);
        KeptConflicts kept = kept(tenant, town, peer);
        return new Model.ConflictSetView(town, peer, kept.ourHead(), kept.theirHead(), kept.push(), kept.computedAt(), kept.rows());
    }

    /**
     * Settles the kept conflicts row by row (see {@code TownSync.resolve}) and publishes {@code sync.completed} with the
     * result. 400 for a malformed body, 404 when nothing is kept, 422 when the rows do not match the kept set, 409 when
     * a head moved since the conflicts were computed.
     */
    public Payloads.SyncResult resolve(String tenant, String town, String peer, Model.ResolveRequest body) {
        var t = federation.stored(tenant, town);
        var p = federation.peer(t, peer);
        List<RowChoice> choices = choices(body);
        KeptConflicts kept = kept(tenant, town, peer);
        Payloads.SyncResult result;
        try {
            result = federation.engine(tenant, t).resolve(p, kept, choices);
        } catch (RowResolutionException e) {
            throw switch (e.reason()) {
                case STALE -> new ProblemException(409, "conflicts-stale", "Conflict", e.getMessage());
                case MISMATCH -> new ProblemException(422, "rows-mismatch", "Unprocessable Content", e.getMessage());
            };
        }
        metrics.sync("resolve", result); // not federation.metrics: a field of a CDI client proxy is null
        events.completed(result, UUID.randomUUID().toString());
        return federation.answer("RESOLVE", result);
    }

    private static List<RowChoice> choices(Model.ResolveRequest body) {
        if (body == null || body.rows() == null || body.rows().isEmpty()) {
            throw FederationService.badRequest("rows is required: one {table, key, take[, value]} for every kept conflicting row");
        }
        List<RowChoice> out = new ArrayList<>();
        for (int i = 0; i < body.rows().size(); i++) {
            Model.RowRequest row = body.rows().get(i);
            String at = "rows[" + i + "]";
            if (row == null || row.table() == null || row.table().isBlank() || row.key() == null || row.key().isEmpty()) {
                throw FederationService.badRequest(at + " needs table and a non-empty key");
            }
            RowChoice.Take take;
            try {
                take = RowChoice.Take.parse(row.take());
            } catch (IllegalArgumentException e) {
                throw FederationService.badRequest(at + ": " + e.getMessage());
            }
            if ((take == RowChoice.Take.VALUE) != (row.value() != null)) {
                throw FederationService.badRequest(at + ": value is " + (take == RowChoice.Take.VALUE
                        ? "required with take value" : "only allowed with take value"));
            }
            out.add(new RowChoice(row.table(), Map.copyOf(nonNullKeys(at, row.key())), take, row.value()));
        }
        return out;
    }

    private static Map<String, Object> nonNullKeys(String at, Map<String, Object> key) {
        for (var e : key.entrySet()) {
            if (e.getValue() == null) {
                throw FederationService.badRequest(at + ": key column '" + e.getKey() + "' is null");
            }
        }
        return key;
    }

    private KeptConflicts kept(String tenant, String town, String peer) {
        return registry.ledger(tenant).conflicts(town, peer).orElseThrow(() -> FederationService.notFound(
                "town " + town + " has no kept conflicts with peer " + peer + " (only a manual sync that meets row conflicts keeps them)"));
    }

    private void knownPeer(String tenant, String town, String peer) {
        var t = federation.stored(tenant, town);
        FederationService.name("peer", peer);
        if (t.peers() == null || !t.peers().containsKey(peer)) {
            throw FederationService.notFound("town " + town + " has no peer " + peer);
        }
    }
}
