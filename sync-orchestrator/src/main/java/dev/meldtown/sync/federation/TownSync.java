package dev.meldtown.sync.federation;

import dev.meldtown.events.Payloads;
import dev.meldtown.sync.federation.internal.Errors;
import dev.meldtown.sync.federation.internal.RowResolver;
import dev.meldtown.sync.federation.internal.Session;
import dev.meldtown.sync.federation.internal.SyncOutcome;
import dev.meldtown.sync.federation.internal.TownBranch;
import dev.meldtown.sync.federation.internal.TownMerge;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The sync engine of one town (a federation, in the API, is a group of towns): remotes, fetch, pull, push, sync and status, over the town's SQL server.
 *
 * <p>Its steps live in {@code internal}: {@link TownBranch} (checkout, heads, fetch, push, the undo of a merge) and
 * {@link TownMerge} (a merge with a strategy, the replay of kept row choices).
 *
 * <p>Every operation runs on its own dedicated JDBC connection, which is closed at the end. Merges run with
 * autocommit off and the conflict-tolerant session variables {@code @@dolt_allow_commit_conflicts=1} and
 * {@code @@dolt_force_transaction_commit=1}, so conflicts can be read and settled on the merging session;
 * both (and autocommit) are restored before the connection is discarded. A merge is never left in
 * progress: it is either committed (fast-forward, clean merge, or conflicts settled by {@code ours} /
 * {@code theirs}) or aborted and rolled back, leaving the working set exactly as it was.
 *
 * <p>Sync operations never throw for remote or merge failures: they return a {@link Payloads.SyncResult}
 * whose {@code error} (and, for pushes, {@code pushError}) carries an {@link ErrorCategory}. One operation
 * per town runs at a time, guarded by a server-wide {@code GET_LOCK} on the town's SQL server, which also
 * holds across several orchestrator processes.
 *
 * <p>Credentials: see {@link Peer} — Dolt reads the remote password from the town server's
 * {@code DOLT_REMOTE_PASSWORD}; only the user is sent, as {@code --user}, on every transfer.
 */
public final class TownSync {
    public static final String DEFAULT_AUTHOR = "Meldtown Sync <sync@meldtown.dev>";

    /**
     * Tunables: how long to wait for another operation on the same town, the author of merge commits, and who
     * observes lock waits and standings ({@link SyncObserver}, for metrics).
     */
    public record Options(Duration lockTimeout, String author, SyncObserver observer) {
        public Options {
            lockTimeout = lockTimeout == null ? Duration.ofSeconds(60) : lockTimeout;
            author = author == null ? DEFAULT_AUTHOR : author;
            observer = observer == null ? SyncObserver.NONE : observer;
            if (!author.matches("[^<>\\n]{1,100} <[^<>\\s]{1,100}>")) {
                throw new IllegalArgumentException("author must look like 'Name <email>'");
            }
        }

        public Options(Duration lockTimeout, String author) {
            this(lockTimeout, author, null);
        }

        public static Options defaults() {
            return new Options(null, null, null);
        }

        public Options withObserver(SyncObserver observer) {
            return new Options(lockTimeout, author, observer);
        }
    }

    private final String tenant;
    private final String town;
    private final TownConnection connection;
    private final SyncLedger ledger;
    private final Options options;
    private final TownBranch branch;
    private final TownMerge merges;

    public TownSync(String tenant, String town, TownConnection connection) {
        this(tenant, town, connection, SyncLedger.inMemory(), Options.defaults());
    }

    public TownSync(String tenant, String town, TownConnection connection, SyncLedger ledger, Options options) {
        this.tenant = Names.requireName("tenant", tenant);
        this.town = Names.requireName("town", town);
        this.connection = Objects.requireNonNull(connection, "connection");
        this.ledger = Objects.requireNonNull(ledger, "ledger");
        this.options = Objects.requireNonNull(options, "options");
        this.branch = new TownBranch(town, connection);
        this.merges = new TownMerge(branch, options.author());
    }

    public String tenant() {
        return tenant;
    }

    public String town() {
        return town;
    }

    public TownConnection connection() {
        return connection;
    }

    // ---------------------------------------------------------------- remotes

    /** The town's Dolt remotes ({@code dolt_remotes}). */
    public List<Remote> listRemotes() {
        try (Session s = Session.open(connection)) {
            List<Remote> out = new ArrayList<>();
            for (var row : s.rows("SELECT name, url FROM dolt_remotes ORDER BY name")) {
                out.add(new Remote(String.valueOf(row.get("name")), String.valueOf(row.get("url"))));
            }
            return out;
        } catch (SQLException e) {
            throw branch.failure(e);
        }
    }

    /**
     * Adds the remote {@code name} with {@code url}; idempotent when it exists with the same URL. A remote of
     * that name with another URL is a {@code conflict} (remove it first), so credentials never follow a
     * silently changed URL.
     */
    public void addRemote(String name, String url) {
        Names.requireName("peer", name);
        Names.requireUrl(url);
        try (Session s = Session.open(connection)) {
            String existing = s.string("SELECT url FROM dolt_remotes WHERE name = ?", name);
            if (existing != null) {
                if (existing.equals(url)) {
                    return;
                }
                throw new FederationException(ErrorCategory.CONFLICT,
                        "remote '" + name + "' already points at " + existing + "; remove it before adding " + url);
            }
            s.execute("CALL DOLT_REMOTE('add', ?, ?)", name, url);
        } catch (SQLException e) {
            throw new FederationException(ErrorCategory.INTERNAL, "could not add remote '" + name + "': " + Errors.message(e), e);
        }
    }

    /** Removes the remote and its remote-tracking branches, and forgets its bookkeeping; false if absent. */
    public boolean removeRemote(String name) {
        Names.requireName("peer", name);
        try (Session s = Session.open(connection)) {
            ledger.forget(town, name);
            if (!s.exists("SELECT 1 FROM dolt_remotes WHERE name = ?", name)) {
                return false;
            }
            s.execute("CALL DOLT_REMOTE('remove', ?)", name);
            return true;
        } catch (SQLException e) {
            throw new FederationException(ErrorCategory.INTERNAL, "could not remove remote '" + name + "': " + Errors.message(e), e);
        }
    }

    // ---------------------------------------------------------------- transfers

    /** Fetches the peer's branch into {@code remotes/<peer>/<branch>}; the working set is untouched. */
    public Payloads.SyncResult fetch(Peer peer) {
        return run(peer, SyncStrategy.MANUAL, false, false);
    }

    /** Fetch, then merge the peer's branch, settling conflicts with {@code strategy}. */
    public Payloads.SyncResult pullFrom(Peer peer, SyncStrategy strategy) {
        return run(peer, strategy, true, false);
    }

    /** Fetch (to know the peer's head), then push the town's branch, fast-forward only. */
    public Payloads.SyncResult pushTo(Peer peer) {
        return run(peer, SyncStrategy.MANUAL, false, true);
    }

    /**
     * Fetch, merge (settling conflicts with {@code strategy}), then push. A push failure is reported in
     * {@code pushError} and does not undo the merge; the push is skipped when the merge did not complete.
     */
    public Payloads.SyncResult sync(Peer peer, SyncStrategy strategy) {
        return run(peer, strategy, true, true);
    }

    // ---------------------------------------------------------------- status

    /**
     * The town's standing with {@code peer} as of its last fetch (no network access). Ahead/behind are
     * {@code null} when the peer's branch was never fetched.
     */
    public SyncStatus syncStatus(String peer) {
        Names.requireName("peer", peer);
        try (Session s = Session.open(connection)) {
            branch.checkout(s);
            if (!s.exists("SELECT 1 FROM dolt_remotes WHERE name = ?", peer)) {
                throw new FederationException(ErrorCategory.NOT_FOUND, "town " + town + " has no remote '" + peer + "'");
            }
            Integer ahead = null;
            Integer behind = null;
            Boolean diverged = null;
            if (branch.trackingHash(s, peer) != null) {
                var row = s.row("SELECT commits_ahead, commits_behind FROM dolt_branch_status(?, ?)",
                        branch.peerRef(peer), connection.branch());
                ahead = ((Number) row.get("commits_ahead")).intValue();
                behind = ((Number) row.get("commits_behind")).intValue();
                diverged = ahead > 0 && behind > 0;
                options.observer().standing(tenant, town, peer, ahead, behind);
            }
            boolean hasConflicts = s.exists("SELECT 1 FROM dolt_conflicts LIMIT 1") || TownBranch.merging(s);
            var entry = ledger.get(town, peer);
            return new SyncStatus(peer, ahead, behind, diverged, hasConflicts,
                    entry.map(SyncLedger.Entry::lastAttempt).orElse(null),
                    entry.map(SyncLedger.Entry::lastSuccess).orElse(null),
                    entry.map(SyncLedger.Entry::lastError).orElse(null));
        } catch (SQLException e) {
            throw branch.failure(e);
        }
    }

    // ---------------------------------------------------------------- the cycle

    private Payloads.SyncResult run(Peer peer, SyncStrategy strategy, boolean merge, boolean push) {
        Objects.requireNonNull(peer, "peer");
        Objects.requireNonNull(strategy, "strategy");
        Instant start = Instant.now();
        SyncOutcome o = new SyncOutcome();
        try (Session s = Session.open(connection)) {
            begin(s, peer, o);
            branch.fetch(s, peer);
            o.fetched = true;
            String peerHead = branch.trackingHash(s, peer.name());
            if (peerHead == null) {
                throw new FederationException(ErrorCategory.NOT_FOUND,
                        "peer " + peer.name() + " has no branch " + connection.branch());
            }
            if (merge) {
                merges.merge(s, peer, strategy, peerHead, o, push);
                o.headAfter = branch.head(s);
            }
            if (push && o.error == null) {
                branch.push(s, peer, o);
            }
            o.end = Instant.now();
            observeStanding(s, peer.name());
        } catch (FederationException e) {
            o.error = e.toError();
        } catch (SQLException e) {
            o.error = branch.failure(e).toError();
        } catch (RuntimeException e) {
            o.error = ErrorCategory.INTERNAL.error(String.valueOf(e.getMessage()));
        }
        if (o.keep != null) {
            ledger.keepConflicts(town, peer.name(), o.keep);
        } else if (merge && o.merged) {
            ledger.clearConflicts(town, peer.name()); // whatever was kept is settled or superseded
        }
        return record(peer, strategy, start, o);
    }

    /** The start of every transfer: the town's lock, its branch checked out, the peer's remote, the head before. */
    private void begin(Session s, Peer peer, SyncOutcome o) throws SQLException {
        if (!lock(s)) {
            throw new FederationException(ErrorCategory.CONFLICT,
                    "another federation operation on town " + town + " did not finish within " + options.lockTimeout());
        }
        branch.checkout(s);
        branch.requireRemote(s, peer);
        o.headBefore = branch.head(s);
        o.headAfter = o.headBefore;
    }

    private Payloads.SyncResult record(Peer peer, SyncStrategy strategy, Instant start, SyncOutcome o) {
        var result = new Payloads.SyncResult(tenant, town, peer.name(), strategy.wire(), start, o.end != null ? o.end : Instant.now(),
                o.fetched, o.merged, o.pushed, o.pulledCommits, o.pushedCommits, o.headBefore, o.headAfter,
                List.copyOf(o.conflicts), o.conflictsResolved, o.error, o.pushError, o.resolution);
        ledger.record(town, peer.name(), result);
        return result;
    }

    // ---------------------------------------------------------------- row-level resolution

    /**
     * Settles the row conflicts a {@code manual} merge from {@code peer} met and kept: checks that both heads are
     * still those the conflicts were computed from (the peer's after a fresh fetch), replays the merge, writes each
     * row's chosen values, clears the conflicts and commits the merge; then pushes when the kept operation would
     * have ({@code sync}, not {@code pull}). Any failure aborts the replayed merge, so the town is left clean and on
     * its head.
     *
     * @throws RowResolutionException when the choices do not match the kept conflicts ({@code MISMATCH}, nothing
     *         touched), or a head moved ({@code STALE}); the town is unchanged and nothing is recorded
     */
    public Payloads.SyncResult resolve(Peer peer, KeptConflicts kept, List<RowChoice> choices) {
        Objects.requireNonNull(peer, "peer");
        Map<String, RowChoice> byRow = RowResolver.match(kept, choices);
        Instant start = Instant.now();
        SyncOutcome o = new SyncOutcome();
        try (Session s = Session.open(connection)) {
            begin(s, peer, o);
            if (!o.headBefore.equals(kept.ourHead())) {
                throw new RowResolutionException(RowResolutionException.Reason.STALE, "town " + town + " moved to " + o.headBefore
                        + " since the conflicts were computed at " + kept.ourHead() + "; sync again to get the current conflicts");
            }
            branch.fetch(s, peer);
            o.fetched = true;
            String peerHead = branch.trackingHash(s, peer.name());
            if (!kept.theirHead().equals(peerHead)) {
                throw new RowResolutionException(RowResolutionException.Reason.STALE, "peer " + peer.name() + " moved to " + peerHead
                        + " since the conflicts were computed at " + kept.theirHead() + "; sync again to get the current conflicts");
            }
            merges.replay(s, peer, kept, byRow, peerHead, o);
            o.headAfter = branch.head(s);
            if (kept.push()) {
                branch.push(s, peer, o);
            }
            o.end = Instant.now();
        } catch (RowResolutionException e) {
            throw e;
        } catch (FederationException e) {
            o.error = e.toError();
        } catch (SQLException e) {
            o.error = branch.failure(e).toError();
        } catch (RuntimeException e) {
            o.error = ErrorCategory.INTERNAL.error(String.valueOf(e.getMessage()));
        }
        if (o.merged) {
            ledger.clearConflicts(town, peer.name());
        }
        return record(peer, SyncStrategy.MANUAL, start, o);
    }

    // ---------------------------------------------------------------- helpers

    /** Takes the town's lock, telling the observer how long that took. */
    private boolean lock(Session s) throws SQLException {
        long t0 = System.nanoTime();
        boolean acquired = s.lock(lockName(), options.lockTimeout());
        options.observer().lockWaited(tenant, town, Duration.ofNanos(System.nanoTime() - t0), acquired);
        return acquired;
    }

    /** The town's standing with the peer's last-fetched branch, for the observer; a failure here fails nothing. */
    private void observeStanding(Session s, String peer) {
        if (options.observer() == SyncObserver.NONE) {
            return;
        }
        try {
            if (branch.trackingHash(s, peer) != null) {
                var row = s.row("SELECT commits_ahead, commits_behind FROM dolt_branch_status(?, ?)", branch.peerRef(peer), connection.branch());
                options.observer().standing(tenant, town, peer, ((Number) row.get("commits_ahead")).intValue(),
                        ((Number) row.get("commits_behind")).intValue());
            }
        } catch (SQLException | RuntimeException e) {
            // the sync's own outcome stands; the gauges keep their last value
        }
    }

    String lockName() {
        return "meldtown.sync." + connection.database() + "." + connection.branch();
    }
}
