package dev.meldtown.sync.service;

import dev.meldtown.events.Payloads;
import dev.meldtown.model.InvalidNameException;
import dev.meldtown.model.Name;
import dev.meldtown.service.ProblemException;
import dev.meldtown.sync.federation.ErrorCategory;
import dev.meldtown.sync.federation.TownSync;
import dev.meldtown.sync.federation.FederationException;
import dev.meldtown.sync.federation.FederationRound;
import dev.meldtown.sync.federation.Peer;
import dev.meldtown.sync.federation.Remote;
import dev.meldtown.sync.federation.SyncStatus;
import dev.meldtown.sync.federation.SyncStrategy;
import dev.meldtown.sync.federation.Topology;
import dev.meldtown.sync.federation.TownConnection;
import dev.meldtown.sync.federation.Names;
import dev.meldtown.sync.service.internal.SyncMetrics;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.jboss.logging.Logger;

/** The service's use of the federation engine: registry lookups, credentials, bookkeeping and events. */
@ApplicationScoped
public class FederationService {
    private static final Logger LOG = Logger.getLogger(FederationService.class);

    /** One answer for every way a town's SQL server can fail to be reached: the details are in the log only. */
    static final String TOWN_UNREACHABLE = "the town's SQL server could not be reached or did not accept the connection"
            + " (closed port, another protocol, refused login or timeout); the service log has the details";

    @Inject
    Registry registry;

    @Inject
    SyncLimits limits;

    @Inject
    Secrets secrets;

    @Inject
    SyncEvents events;

    @Inject
    SyncMetrics metrics;

    // ---------------------------------------------------------------- towns

    public Model.TownView putTown(String tenant, String town, Model.TownRequest body) {
        name("tenant", tenant);
        name("town", town);
        if (body == null || body.sql() == null || body.sql().host() == null || body.sql().port() == null
                || body.sql().user() == null || body.remotesApiUrl() == null) {
            throw badRequest("sql.host, sql.port, sql.user and remotesApiUrl are required");
        }
        var existing = registry.town(tenant, town);
        String password = body.sql().password();
        String encrypted;
        if (password != null) {
            encrypted = secrets.encrypt(password);
        } else if (existing.isPresent()) {
            encrypted = existing.get().passwordEncrypted();
        } else {
            throw badRequest("sql.password is required for a new town");
        }
        String database = body.sql().database() == null ? "beads" : body.sql().database();
        String branch = body.branch() == null ? "main" : body.branch();
        if (password != null && password.length() > limits.passwordLength()) {
            throw badRequest("sql.password is longer than meldtown.sync-limits.password-length (" + limits.passwordLength() + ")");
        }
        try {
            // validates host, port, database and branch
            new TownConnection(body.sql().host(), body.sql().port(), database, body.sql().user(), "x", branch);
            Names.requireSqlUser(body.sql().user());
            limits.targets().requireSqlHost(body.sql().host());
            limits.targets().requireRemotesApiUrl("remotesApiUrl", body.remotesApiUrl());
            Names.requireUrl(body.remotesApiUrl());
            if (body.remoteUser() != null) {
                Names.requireUser(body.remoteUser());
            }
        } catch (IllegalArgumentException e) {
            throw badRequest(e.getMessage());
        }
        if (existing.isEmpty() && registry.townCount(tenant) >= limits.townsPerTenant()) {
            throw badRequest("tenant " + tenant + " already has meldtown.sync-limits.towns-per-tenant ("
                    + limits.townsPerTenant() + ") towns");
        }
        var stored = new Model.StoredTown(town, body.sql().host(), body.sql().port(), database, body.sql().user(), encrypted,
                body.remotesApiUrl(), branch, body.remoteUser(),
                existing.map(Model.StoredTown::peers).orElse(Map.of()));
        registry.putTown(tenant, stored);
        return stored.view();
    }

    public List<Model.TownView> towns(String tenant) {
        name("tenant", tenant);
        var towns = registry.towns(tenant);
        if (towns.isEmpty() && registry.federations(tenant).isEmpty()) {
            throw notFound("unknown tenant " + tenant);
        }
        return towns.stream().map(Model.StoredTown::view).toList();
    }

    public Model.TownView town(String tenant, String town) {
        return stored(tenant, town).view();
    }

    /**
     * Forgets the tenant (issue 14): its whole registry ({@link Registry#deleteTenant}); the towns' own Dolt
     * databases, and the remotes this service added to them, are the tenant's and stay as they are.
     */
    public long deleteTenant(String tenant) {
        long deleted = registry.deleteTenant(tenant);
        metrics.forget(tenant, null);
        return deleted;
    }

    public void deleteTown(String tenant, String town) {
        stored(tenant, town);
        registry.deleteTown(tenant, town);
        metrics.forget(tenant, town);
    }

    // ---------------------------------------------------------------- peers

    public Model.PeerView putPeer(String tenant, String town, String peer, Model.PeerRequest body) {
        var t = stored(tenant, town);
        name("peer", peer);
        if (body == null || (body.url() == null) == (body.town() == null)) {
            throw badRequest("give either url (with an optional user) or town");
        }
        String url = body.url();
        String user = body.user();
        if (body.town() != null) {
            var other = stored(tenant, name("town", body.town()));
            url = other.remotesApiUrl();
            user = user != null ? user : other.remoteUser();
            if (user == null) {
                // Dolt's remotesapi needs a user: without one every sync through this peer fails with 'auth'
                throw badRequest("town " + other.name() + " was registered without remoteUser, the user its remotesapi expects;"
                        + " set remoteUser on town " + other.name() + " (PUT /towns/" + other.name() + ") or give user here");
            }
        }
        Peer p;
        try {
            limits.targets().requireRemotesApiUrl("peer url", url);
            p = new Peer(peer, url, user);
        } catch (IllegalArgumentException e) {
            throw badRequest(e.getMessage());
        }
        boolean newPeer = t.peers() == null || !t.peers().containsKey(peer);
        if (newPeer && t.peers() != null && t.peers().size() >= limits.peersPerTown()) {
            throw badRequest("town " + town + " already has meldtown.sync-limits.peers-per-town (" + limits.peersPerTown() + ") peers");
        }
        TownSync f = engine(tenant, t);
        try {
            f.addRemote(peer, url);
        } catch (FederationException e) {
            throw problem(e);
        }
        Map<String, Model.StoredPeer> peers = new LinkedHashMap<>(t.peers() == null ? Map.of() : t.peers());
        peers.put(peer, new Model.StoredPeer(p.url(), p.user()));
        registry.putTown(tenant, withPeers(t, peers));
        return new Model.PeerView(peer, p.url(), p.user());
    }

    /** The town's Dolt remotes with the users this service presents for them. */
    public List<Model.PeerView> peers(String tenant, String town) {
        var t = stored(tenant, town);
        List<Remote> remotes;
        try {
            remotes = engine(tenant, t).listRemotes();
        } catch (FederationException e) {
            throw problem(e);
        }
        List<Model.PeerView> out = new ArrayList<>();
        for (Remote r : remotes) {
            var stored = t.peers() == null ? null : t.peers().get(r.name());
            out.add(new Model.PeerView(r.name(), r.url(), stored == null ? null : stored.user()));
        }
        return out;
    }

    public void deletePeer(String tenant, String town, String peer) {
        var t = stored(tenant, town);
        name("peer", peer);
        boolean known = t.peers() != null && t.peers().containsKey(peer);
        boolean removed;
        try {
            removed = engine(tenant, t).removeRemote(peer);
        } catch (FederationException e) {
            throw problem(e);
        }
        if (!known && !removed) {
            throw notFound("town " + town + " has no peer " + peer);
        }
        Map<String, Model.StoredPeer> peers = new LinkedHashMap<>(t.peers() == null ? Map.of() : t.peers());
        peers.remove(peer);
        registry.putTown(tenant, withPeers(t, peers));
    }

    // ---------------------------------------------------------------- operations

    public enum Operation { FETCH, PULL, PUSH, SYNC }

    public Payloads.SyncResult run(String tenant, String town, String peer, Operation op, String strategyName, String requestId) {
        var t = stored(tenant, town);
        SyncStrategy strategy = strategy(strategyName);
        Peer p = peer(t, peer);
        TownSync f = engine(tenant, t);
        Payloads.SyncResult result = switch (op) {
            case FETCH -> f.fetch(p);
            case PULL -> f.pullFrom(p, strategy);
            case PUSH -> f.pushTo(p);
            case SYNC -> f.sync(p, strategy);
        };
        metrics.sync(op.name().toLowerCase(java.util.Locale.ROOT), result);
        if (op == Operation.SYNC) {
            events.completed(result, requestId == null ? UUID.randomUUID().toString() : requestId);
        }
        return answer(op.name(), result);
    }

    /** The answer to an operation on a town: its result, or 503 with one generic body when the town's SQL server failed. */
    Payloads.SyncResult answer(String op, Payloads.SyncResult result) {
        String tenant = result.tenant();
        String town = result.town();
        String peer = result.peer();
        if (isTownFailure(result)) {
            LOG.warnf("%s %s/%s -> %s: town %s unreachable: [%s] %s", op, tenant, town, peer, town, result.error().category(),
                    result.error().message());
            var generic = withError(result, new Payloads.Error(ErrorCategory.TRANSPORT.wire(), TOWN_UNREACHABLE));
            Map<String, Object> extra = new LinkedHashMap<>();
            extra.put("category", ErrorCategory.TRANSPORT.wire());
            extra.put("result", generic);
            throw new ProblemException(503, "town-unreachable", "Town Unreachable", "town " + town + ": " + TOWN_UNREACHABLE, extra);
        }
        return result;
    }

    /**
     * A scheduled sync of a federation pair: the peer is added from the registered town when missing.
     * Returns {@code null} when the pair cannot be synced at all (e.g. a town was deleted).
     */
    public Payloads.SyncResult runScheduled(String tenant, String town, String peer, String strategy) {
        try {
            var t = stored(tenant, town);
            if (t.peers() == null || !t.peers().containsKey(peer)) {
                putPeer(tenant, town, peer, new Model.PeerRequest(null, null, peer));
            }
            return run(tenant, town, peer, Operation.SYNC, strategy, UUID.randomUUID().toString());
        } catch (ProblemException e) {
            return null;
        }
    }

    /** Checks everything a sync needs before it is accepted for asynchronous execution. */
    /**
     * Accepts an asynchronous sync: checked now, then published as {@code sync.requested} and acknowledged by Kafka
     * before the caller is answered, so no accepted request is lost when this instance dies. {@link SyncRequests} (on
     * any instance) runs it and publishes its {@code sync.completed} with the returned request id.
     *
     * @throws dev.meldtown.service.EventPublisher.PublishException (503) when Kafka does not take the request
     */
    public String requestSync(String tenant, String town, String peer, String strategyName) {
        peer(stored(tenant, town), peer);
        strategy(strategyName);
        String requestId = UUID.randomUUID().toString();
        events.requested(new Payloads.SyncRequested(tenant, town, peer, strategyName, requestId));
        return requestId;
    }

    public SyncStatus status(String tenant, String town, String peer) {
        var t = stored(tenant, town);
        peer(t, peer);
        try {
            return engine(tenant, t).syncStatus(peer);
        } catch (FederationException e) {
            throw problem(e);
        }
    }

    // ---------------------------------------------------------------- federations

    public Model.FederationView putFederation(String tenant, String name, Model.FederationRequest body) {
        name("tenant", tenant);
        name("federation", name);
        // every check on the body's size and shape comes before any pair of the round is computed
        if (body == null || body.towns() == null || body.towns().size() < 2) {
            throw badRequest("a federation needs at least two towns");
        }
        if (body.towns().size() > limits.federationTowns()) {
            throw badRequest("a federation has at most meldtown.sync-limits.federation-towns (" + limits.federationTowns()
                    + ") towns, not " + body.towns().size());
        }
        Set<String> seen = new HashSet<>();
        for (String t : body.towns()) {
            name("town", t);
            if (!seen.add(t)) {
                throw badRequest("town " + t + " appears more than once in towns");
            }
        }
        Topology topology;
        try {
            topology = Topology.parse(body.topology() == null ? "mesh" : body.topology());
        } catch (IllegalArgumentException e) {
            throw badRequest(e.getMessage());
        }
        if (!topology.isMesh() && !seen.contains(topology.hub())) {
            throw badRequest("hub " + topology.hub() + " is not one of the towns");
        }
        strategy(body.strategy());
        if (body.intervalSeconds() != null
                && (body.intervalSeconds() < 1 || body.intervalSeconds() > limits.intervalSecondsMax())) {
            throw badRequest("intervalSeconds must be between 1 and meldtown.sync-limits.interval-seconds-max ("
                    + limits.intervalSecondsMax() + ")");
        }
        if (registry.federation(tenant, name).isEmpty() && registry.federationCount(tenant) >= limits.federationsPerTenant()) {
            throw badRequest("tenant " + tenant + " already has meldtown.sync-limits.federations-per-tenant ("
                    + limits.federationsPerTenant() + ") federations");
        }
        for (String t : body.towns()) {
            var stored = stored(tenant, t);
            if (stored.remoteUser() == null) {
                throw badRequest("town " + t + " was registered without remoteUser, the user its remotesapi expects;"
                        + " the federation's towns add each other as peers by name, so set remoteUser on town " + t);
            }
        }
        var view = new Model.FederationView(name, List.copyOf(body.towns()), topology.toString(),
                strategy(body.strategy()).wire(), body.intervalSeconds());
        registry.putFederation(tenant, view);
        return view;
    }

    /** The tenant's federations by name; an unknown tenant (no towns, no federations) is 404, as for {@link #towns}. */
    public List<Model.FederationView> federations(String tenant) {
        name("tenant", tenant);
        var feds = registry.federations(tenant);
        if (feds.isEmpty() && registry.townCount(tenant) == 0) {
            throw notFound("unknown tenant " + tenant);
        }
        return feds.stream().sorted(java.util.Comparator.comparing(Model.FederationView::name))
                .map(f -> f.withLastRound(registry.lastRound(tenant, f.name()).orElse(null))).toList();
    }

    public Model.FederationView federationOf(String tenant, String name) {
        name("tenant", tenant);
        name("federation", name);
        return registry.federation(tenant, name).orElseThrow(() -> notFound("unknown federation " + name))
                .withLastRound(registry.lastRound(tenant, name).orElse(null));
    }

    public void deleteFederation(String tenant, String name) {
        federationOf(tenant, name);
        registry.deleteFederation(tenant, name);
    }

    /**
     * One round: each town must have the others as peers (a missing one is added as the town's remote,
     * named after the peer town, with the peer town's remote user).
     */
    public List<Payloads.SyncResult> round(String tenant, String name) {
        var fed = federationOf(tenant, name);
        List<FederationRound.Member> members = new ArrayList<>();
        for (String town : fed.towns()) {
            var t = stored(tenant, town);
            try {
                limits.targets().requireRemotesApiUrl("remotesApiUrl of town " + town, t.remotesApiUrl());
            } catch (IllegalArgumentException e) {
                throw badRequest(e.getMessage());
            }
            members.add(new FederationRound.Member(engine(tenant, t), new Peer(town, t.remotesApiUrl(), t.remoteUser())));
        }
        for (var m : members) {
            for (var other : members) {
                if (m != other) {
                    var t = stored(tenant, m.name());
                    if (t.peers() == null || !t.peers().containsKey(other.name())) {
                        putPeer(tenant, m.name(), other.name(), new Model.PeerRequest(null, null, other.name()));
                    }
                }
            }
        }
        java.time.Instant started = java.time.Instant.now();
        var results = FederationRound.run(members, Topology.parse(fed.topology()), strategy(fed.strategy()));
        results.forEach(r -> metrics.sync("sync", r));
        String round = UUID.randomUUID().toString();
        for (int i = 0; i < results.size(); i++) {
            events.completed(results.get(i), round + "-" + i);
        }
        registry.putLastRound(tenant, name, new Model.LastRound(started, java.time.Instant.now(), false, List.copyOf(results)));
        return results;
    }

    // ---------------------------------------------------------------- helpers

    Model.StoredTown stored(String tenant, String town) {
        name("tenant", tenant);
        name("town", town);
        return registry.town(tenant, town).orElseThrow(() -> notFound("unknown town " + town));
    }

    Peer peer(Model.StoredTown t, String peer) {
        name("peer", peer);
        var stored = t.peers() == null ? null : t.peers().get(peer);
        if (stored == null) {
            throw notFound("town " + t.name() + " has no peer " + peer);
        }
        try {
            // a peer stored before the allow-list existed (or since narrowed) is not used
            limits.targets().requireRemotesApiUrl("peer url", stored.url());
            return new Peer(peer, stored.url(), stored.user());
        } catch (IllegalArgumentException e) {
            throw badRequest(e.getMessage());
        }
    }

    static Payloads.SyncResult withError(Payloads.SyncResult r, Payloads.Error error) {
        return new Payloads.SyncResult(r.tenant(), r.town(), r.peer(), r.strategy(), r.startTime(), r.endTime(), r.fetched(),
                r.merged(), r.pushed(), r.pulledCommits(), r.pushedCommits(), r.headBefore(), r.headAfter(), r.conflicts(),
                r.conflictsResolved(), error, r.pushError(), r.resolution());
    }

    TownSync engine(String tenant, Model.StoredTown t) {
        var connection = new TownConnection(t.host(), t.port(), t.database(), t.user(), secrets.decrypt(t.passwordEncrypted()), t.branch());
        return new TownSync(tenant, t.name(), connection, registry.ledger(tenant),
                TownSync.Options.defaults().withObserver(metrics));
    }

    private static Model.StoredTown withPeers(Model.StoredTown t, Map<String, Model.StoredPeer> peers) {
        return new Model.StoredTown(t.name(), t.host(), t.port(), t.database(), t.user(), t.passwordEncrypted(),
                t.remotesApiUrl(), t.branch(), t.remoteUser(), peers);
    }

    private static SyncStrategy strategy(String value) {
        try {
            return SyncStrategy.parse(value);
        } catch (IllegalArgumentException e) {
            throw badRequest(e.getMessage());
        }
    }

    static String name(String what, String value) {
        try {
            return Name.of(what + " name", value).value();
        } catch (InvalidNameException e) {
            throw new ProblemException(400, "invalid-name", "Invalid name", e.getMessage());
        }
    }

    static ProblemException badRequest(String detail) {
        return new ProblemException(400, "bad-request", "Bad Request", detail);
    }

    static ProblemException notFound(String detail) {
        return new ProblemException(404, "not-found", "Not Found", detail);
    }

    /**
     * Remote-management failures: an unreachable town SQL server is 503 with one generic body, whatever the cause
     * (so the API is no port scanner); the cause is logged.
     */
    static ProblemException problem(FederationException e) {
        Map<String, Object> extra = Map.of("category", e.category().wire());
        return switch (e.category()) {
            case NOT_FOUND -> new ProblemException(404, "not-found", "Not Found", e.getMessage(), extra);
            case TRANSPORT, AUTH -> {
                LOG.warnf("town SQL server failed: [%s] %s", e.category().wire(), e.getMessage());
                yield new ProblemException(503, "town-unreachable", "Town Unreachable", TOWN_UNREACHABLE,
                        Map.of("category", ErrorCategory.TRANSPORT.wire()));
            }
            case CONFLICT, REJECTED -> new ProblemException(409, e.category().wire(), "Conflict", e.getMessage(), extra);
            default -> new ProblemException(500, "internal", "Internal Server Error", e.getMessage(), extra);
        };
    }

    /** The town's own SQL server failed (the engine reads the head first, so it is unknown then). */
    static boolean isTownFailure(Payloads.SyncResult r) {
        return r.error() != null && r.headBefore() == null && !r.fetched()
                && (ErrorCategory.TRANSPORT.wire().equals(r.error().category()) || ErrorCategory.AUTH.wire().equals(r.error().category()));
    }
}
