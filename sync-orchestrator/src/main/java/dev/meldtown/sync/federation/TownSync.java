package dev.meldtown.sync.federation;

import dev.meldtown.events.Payloads;
import dev.meldtown.sync.federation.internal.ConflictReader;
import dev.meldtown.sync.federation.internal.Errors;
import dev.meldtown.sync.federation.internal.RowResolver;
import dev.meldtown.sync.federation.internal.Session;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The sync engine of one town (a federation, in the API, is a group of towns): remotes, fetch, pull, push, sync and status, over the town's SQL server.
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

    public TownSync(String tenant, String town, TownConnection connection) {
        this(tenant, town, connection, SyncLedger.inMemory(), Options.defaults());
    }

    public TownSync(String tenant, String town, TownConnection connection, SyncLedger ledger, Options options) {
        this.tenant = Names.requireName("tenant", tenant);
        this.town = Names.requireName("town", town);
        this.connection = Objects.requireNonNull(connection, "connection");
        this.ledger = Objects.requireNonNull(ledger, "ledger");
        this.options = Objects.requireNonNull(options, "options");
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
            throw townFailure(e);
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
            checkout(s);
            if (!s.exists("SELECT 1 FROM dolt_remotes WHERE name = ?", peer)) {
                throw new FederationException(ErrorCategory.NOT_FOUND, "town " + town + " has no remote '" + peer + "'");
            }
            Integer ahead = null;
            Integer behind = null;
            Boolean diverged = null;
            if (trackingHash(s, peer) != null) {
                var row = s.row("SELECT commits_ahead, commits_behind FROM dolt_branch_status(?, ?)",
                        peerRef(peer), connection.branch());
                ahead = ((Number) row.get("commits_ahead")).intValue();
                behind = ((Number) row.get("commits_behind")).intValue();
                diverged = ahead > 0 && behind > 0;
                options.observer().standing(tenant, town, peer, ahead, behind);
            }
            boolean hasConflicts = s.exists("SELECT 1 FROM dolt_conflicts LIMIT 1")
                    || s.exists("SELECT 1 FROM dolt_merge_status WHERE is_merging");
            var entry = ledger.get(town, peer);
            return new SyncStatus(peer, ahead, behind, diverged, hasConflicts,
                    entry.map(SyncLedger.Entry::lastAttempt).orElse(null),
                    entry.map(SyncLedger.Entry::lastSuccess).orElse(null),
                    entry.map(SyncLedger.Entry::lastError).orElse(null));
        } catch (SQLException e) {
            throw townFailure(e);
        }
    }

    // ---------------------------------------------------------------- the cycle

    private static final class Outcome {
        boolean fetched;
        boolean merged;
        boolean pushed;
        int pulledCommits;
        int pushedCommits;
        String headBefore;
        String headAfter;
        List<Payloads.Conflict> conflicts = List.of();
        int conflictsResolved;
        Payloads.Error error;
        Payloads.Error pushError;
        /** The row conflicts a manual merge met, to keep for row-level resolution. */
        KeptConflicts keep;
        Payloads.Resolution resolution;
        /** Taken while the town lock is still held, so a sync that waited for this one always ends after it. */
        Instant end;
    }

    private Payloads.SyncResult run(Peer peer, SyncStrategy strategy, boolean merge, boolean push) {
        Objects.requireNonNull(peer, "peer");
        Objects.requireNonNull(strategy, "strategy");
        Instant start = Instant.now();
        Outcome o = new Outcome();
        try (Session s = Session.open(connection)) {
            if (!lock(s)) {
                throw new FederationException(ErrorCategory.CONFLICT,
                        "another federation operation on town " + town + " did not finish within " + options.lockTimeout());
            }
            checkout(s);
            requireRemote(s, peer);
            o.headBefore = head(s);
            o.headAfter = o.headBefore;
            fetch(s, peer);
            o.fetched = true;
            String peerHead = trackingHash(s, peer);
            if (peerHead == null) {
                throw new FederationException(ErrorCategory.NOT_FOUND,
                        "peer " + peer.name() + " has no branch " + connection.branch());
            }
            if (merge) {
                merge(s, peer, strategy, peerHead, o, push);
                o.headAfter = head(s);
            }
            if (push && o.error == null) {
                push(s, peer, o);
            }
            o.end = Instant.now();
            observeStanding(s, peer.name());
        } catch (FederationException e) {
            o.error = e.toError();
        } catch (SQLException e) {
            o.error = townFailure(e).toError();
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

    private Payloads.SyncResult record(Peer peer, SyncStrategy strategy, Instant start, Outcome o) {
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
        Outcome o = new Outcome();
        try (Session s = Session.open(connection)) {
            if (!lock(s)) {
                throw new FederationException(ErrorCategory.CONFLICT,
                        "another federation operation on town " + town + " did not finish within " + options.lockTimeout());
            }
            checkout(s);
            requireRemote(s, peer);
            o.headBefore = head(s);
            o.headAfter = o.headBefore;
            if (!o.headBefore.equals(kept.ourHead())) {
                throw new RowResolutionException(RowResolutionException.Reason.STALE, "town " + town + " moved to " + o.headBefore
                        + " since the conflicts were computed at " + kept.ourHead() + "; sync again to get the current conflicts");
            }
            fetch(s, peer);
            o.fetched = true;
            String peerHead = trackingHash(s, peer);
            if (!kept.theirHead().equals(peerHead)) {
                throw new RowResolutionException(RowResolutionException.Reason.STALE, "peer " + peer.name() + " moved to " + peerHead
                        + " since the conflicts were computed at " + kept.theirHead() + "; sync again to get the current conflicts");
            }
            replay(s, peer, kept, byRow, peerHead, o);
            o.headAfter = head(s);
            if (kept.push()) {
                push(s, peer, o);
            }
            o.end = Instant.now();
        } catch (RowResolutionException e) {
            throw e;
        } catch (FederationException e) {
            o.error = e.toError();
        } catch (SQLException e) {
            o.error = townFailure(e).toError();
        } catch (RuntimeException e) {
            o.error = ErrorCategory.INTERNAL.error(String.valueOf(e.getMessage()));
        }
        if (o.merged) {
            ledger.clearConflicts(town, peer.name());
        }
        return record(peer, SyncStrategy.MANUAL, start, o);
    }

    private void replay(Session s, Peer peer, KeptConflicts kept, Map<String, RowChoice> byRow, String peerHead, Outcome o)
            throws SQLException {
        if (s.exists("SELECT 1 FROM dolt_merge_status WHERE is_merging")) {
            throw new FederationException(ErrorCategory.CONFLICT, "town " + town + " has a merge in progress; it was left untouched");
        }
        if (s.exists("SELECT 1 FROM dolt_status LIMIT 1")) {
            throw new FederationException(ErrorCategory.CONFLICT,
                    "town " + town + " has uncommitted changes; commit or discard them before resolving conflicts with " + peer.name());
        }
        int pulled = (int) s.count("SELECT COUNT(*) FROM dolt_log(?)", o.headBefore + ".." + peerHead);
        String message = "Merge " + peer.name() + "/" + connection.branch() + " into " + town;
        s.beginMerge();
        try {
            var row = s.row("CALL DOLT_MERGE('--author', ?, '-m', ?, ?)", options.author(), message, peerRef(peer.name()));
            List<Payloads.Conflict> replayed = truthy(row.get("conflicts")) ? ConflictReader.read(s) : List.of();
            Set<String> keptRows = new HashSet<>();
            kept.rows().forEach(c -> keptRows.add(RowChoice.rowKey(c.table(), c.key())));
            Set<String> replayedRows = new HashSet<>();
            replayed.forEach(c -> replayedRows.add(RowChoice.rowKey(c.table(), c.key())));
            if (!keptRows.equals(replayedRows) || !ConflictReader.schemaConflicts(s).isEmpty() || !ConflictReader.violations(s).isEmpty()) {
                throw new RowResolutionException(RowResolutionException.Reason.STALE, "the replayed merge from " + peer.name()
                        + " met other conflicts (" + replayed.size() + " rows) than the kept ones (" + kept.rows().size()
                        + "); sync again to get the current conflicts");
            }
            List<String> tables = ConflictReader.conflictedTables(s);
            RowResolver.Counts counts = RowResolver.apply(s, tables, byRow);
            if (s.exists("SELECT 1 FROM dolt_conflicts LIMIT 1") || !ConflictReader.violations(s).isEmpty()) {
                throw new RowResolutionException(RowResolutionException.Reason.MISMATCH, "the chosen rows leave conflicts or "
                        + "constraint violations " + ConflictReader.violations(s) + "; nothing was changed");
            }
            for (String table : tables) {
                s.execute("CALL DOLT_ADD(?)", table);
            }
            s.execute("CALL DOLT_COMMIT('-m', ?, '--author', ?)", message + " (" + byRow.size() + " conflicts resolved row by row: "
                    + counts.ours() + " ours, " + counts.theirs() + " theirs, " + counts.value() + " value)", options.author());
            s.commit();
            o.merged = true;
            o.pulledCommits = pulled;
            o.conflicts = kept.rows();
            o.conflictsResolved = byRow.size();
            o.resolution = new Payloads.Resolution(kept.ourHead(), kept.theirHead(), counts.ours(), counts.theirs(), counts.value());
        } catch (SQLException | RuntimeException e) {
            abort(s, o.headBefore);
            if (e instanceof SQLException sql) {
                throw new FederationException(ErrorCategory.INTERNAL, "resolving the merge from " + peer.name()
                        + " failed and was aborted: " + Errors.message(sql), sql);
            }
            throw (RuntimeException) e;
        } finally {
            s.endMerge();
        }
    }

    private void fetch(Session s, Peer peer) {
        try {
            if (peer.user() != null) {
                s.execute("CALL DOLT_FETCH('--user', ?, ?, ?)", peer.user(), peer.name(), connection.branch());
            } else {
                s.execute("CALL DOLT_FETCH(?, ?)", peer.name(), connection.branch());
            }
        } catch (SQLException e) {
            String m = Errors.message(e);
            throw new FederationException(Errors.classifyRemote(m), "fetch from " + peer.name() + " failed: " + m, e);
        }
    }

    private void merge(Session s, Peer peer, SyncStrategy strategy, String peerHead, Outcome o, boolean push) throws SQLException {
        if (s.exists("SELECT 1 FROM dolt_merge_status WHERE is_merging")) {
            throw new FederationException(ErrorCategory.CONFLICT, "town " + town + " has a merge in progress; it was left untouched");
        }
        if (peerHead.equals(o.headBefore) || isAncestor(s, peerHead, o.headBefore)) {
            o.merged = true; // already contains everything the peer has
            return;
        }
        boolean clean = !s.exists("SELECT 1 FROM dolt_status LIMIT 1");
        if (!clean) {
            throw new FederationException(ErrorCategory.CONFLICT,
                    "town " + town + " has uncommitted changes; commit or discard them before merging from " + peer.name());
        }
        int pulled = (int) s.count("SELECT COUNT(*) FROM dolt_log(?)", o.headBefore + ".." + peerHead);
        String message = "Merge " + peer.name() + "/" + connection.branch() + " into " + town;
        s.beginMerge();
        try {
            var row = s.row("CALL DOLT_MERGE('--author', ?, '-m', ?, ?)", options.author(), message, peerRef(peer.name()));
            if (!truthy(row.get("conflicts"))) {
                s.commit();
                o.merged = true;
                o.pulledCommits = pulled;
                return;
            }
            List<Payloads.Conflict> conflicts = ConflictReader.read(s);
            List<String> schemaConflicts = ConflictReader.schemaConflicts(s);
            Map<String, Long> violations = ConflictReader.violations(s);
            o.conflicts = conflicts;
            if (!schemaConflicts.isEmpty() || !violations.isEmpty() || strategy == SyncStrategy.MANUAL) {
                abort(s, o.headBefore);
                if (strategy == SyncStrategy.MANUAL && schemaConflicts.isEmpty() && violations.isEmpty() && !conflicts.isEmpty()) {
                    o.keep = new KeptConflicts(o.headBefore, peerHead, push, Instant.now(), conflicts);
                }
                o.error = ErrorCategory.CONFLICT.error(describe(conflicts.size(), schemaConflicts, violations, strategy)
                        + "; the merge from " + peer.name() + " was aborted and the working set left as it was");
                return;
            }
            List<String> tables = ConflictReader.conflictedTables(s);
            for (String table : tables) {
                Names.quotedTable(table); // only tables Dolt itself reported, and only sane identifiers
                s.execute("CALL DOLT_CONFLICTS_RESOLVE(?, ?)", strategy == SyncStrategy.OURS ? "--ours" : "--theirs", table);
            }
            // DOLT_COMMIT would commit the SQL transaction even when it refuses, so check first.
            if (s.exists("SELECT 1 FROM dolt_conflicts LIMIT 1") || !ConflictReader.violations(s).isEmpty()) {
                abort(s, o.headBefore);
                o.error = ErrorCategory.CONFLICT.error("conflicts remained after resolving with " + strategy.wire()
                        + "; the merge from " + peer.name() + " was aborted");
                return;
            }
            for (String table : tables) {
                s.execute("CALL DOLT_ADD(?)", table);
            }
            s.execute("CALL DOLT_COMMIT('-m', ?, '--author', ?)",
                    message + " (" + conflicts.size() + " conflicts resolved with " + strategy.wire() + ")", options.author());
            s.commit();
            o.merged = true;
            o.pulledCommits = pulled;
            o.conflictsResolved = conflicts.size();
        } catch (SQLException | RuntimeException e) {
            abort(s, o.headBefore);
            throw e instanceof SQLException sql
                    ? new FederationException(ErrorCategory.INTERNAL, "merge from " + peer.name() + " failed and was aborted: " + Errors.message(sql), sql)
                    : (RuntimeException) e;
        } finally {
            s.endMerge();
        }
    }

    /** Undoes a merge: abort, roll back, and as a last resort hard-reset (the working set was clean). */
    private void abort(Session s, String headBefore) throws SQLException {
        try {
            s.execute("CALL DOLT_MERGE('--abort')");
        } catch (SQLException ignored) {
            // no merge state in this transaction; the rollback below covers it
        }
        s.rollback();
        s.endMerge();
        boolean merging = s.exists("SELECT 1 FROM dolt_merge_status WHERE is_merging");
        boolean dirty = s.exists("SELECT 1 FROM dolt_status LIMIT 1");
        if (merging || dirty || !headBefore.equals(head(s))) {
            s.execute("CALL DOLT_RESET('--hard', ?)", headBefore);
        }
    }

    private void push(Session s, Peer peer, Outcome o) throws SQLException {
        String local = head(s);
        String peerHead = trackingHash(s, peer);
        if (local.equals(peerHead)) {
            o.pushed = true;
            return;
        }
        if (peerHead != null && !isAncestor(s, peerHead, local)) {
            o.pushError = ErrorCategory.REJECTED.error("push to " + peer.name() + " rejected: non-fast-forward ("
                    + peer.name() + "/" + connection.branch() + " has commits that " + town + " lacks)");
            return;
        }
        int count = peerHead == null ? (int) s.count("SELECT COUNT(*) FROM dolt_log(?)", local)
                : (int) s.count("SELECT COUNT(*) FROM dolt_log(?)", peerHead + ".." + local);
        try {
            if (peer.user() != null) {
                s.execute("CALL DOLT_PUSH('--user', ?, ?, ?)", peer.user(), peer.name(), connection.branch());
            } else {
                s.execute("CALL DOLT_PUSH(?, ?)", peer.name(), connection.branch());
            }
            o.pushed = true;
            o.pushedCommits = count;
        } catch (SQLException e) {
            String m = Errors.message(e);
            o.pushError = Errors.classifyRemote(m).error("push to " + peer.name() + " failed: " + m);
        }
    }

    // ---------------------------------------------------------------- helpers

    private void checkout(Session s) throws SQLException {
        String active = s.string("SELECT active_branch()");
        if (!connection.branch().equals(active)) {
            try {
                s.execute("CALL DOLT_CHECKOUT(?)", connection.branch());
            } catch (SQLException e) {
                throw new FederationException(ErrorCategory.NOT_FOUND,
                        "town " + town + " has no branch " + connection.branch() + ": " + Errors.message(e), e);
            }
        }
    }

    /**
     * The remote must exist with the peer's URL: credentials are never presented to a URL that drifted from
     * the configured one.
     */
    private void requireRemote(Session s, Peer peer) throws SQLException {
        String url = s.string("SELECT url FROM dolt_remotes WHERE name = ?", peer.name());
        if (url == null) {
            throw new FederationException(ErrorCategory.NOT_FOUND, "town " + town + " has no remote '" + peer.name() + "'");
        }
        if (!url.equals(peer.url())) {
            throw new FederationException(ErrorCategory.CONFLICT, "remote '" + peer.name() + "' of town " + town
                    + " points at " + url + ", not " + peer.url() + "; refusing to send credentials");
        }
    }

    private String head(Session s) throws SQLException {
        return Names.requireHash(s.string("SELECT DOLT_HASHOF(?)", connection.branch()));
    }

    private String trackingHash(Session s, Peer peer) throws SQLException {
        return trackingHash(s, peer.name());
    }

    private String trackingHash(Session s, String peer) throws SQLException {
        String hash = s.string("SELECT hash FROM dolt_remote_branches WHERE name = ?",
                "remotes/" + peer + "/" + connection.branch());
        return hash == null ? null : Names.requireHash(hash);
    }

    /** True when {@code ancestor} is reachable from {@code descendant}. */
    private static boolean isAncestor(Session s, String ancestor, String descendant) throws SQLException {
        return truthy(s.scalar("SELECT HAS_ANCESTOR(?, ?)", descendant, ancestor));
    }

    private String peerRef(String peer) {
        return peer + "/" + connection.branch();
    }

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
            if (trackingHash(s, peer) != null) {
                var row = s.row("SELECT commits_ahead, commits_behind FROM dolt_branch_status(?, ?)", peerRef(peer), connection.branch());
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

    private static boolean truthy(Object v) {
        if (v == null) {
            return false;
        }
        if (v instanceof Boolean b) {
            return b;
        }
        if (v instanceof Number n) {
            return n.intValue() != 0;
        }
        return "1".equals(v.toString()) || "true".equalsIgnoreCase(v.toString());
    }

    private static String describe(int conflicts, List<String> schemaConflicts, Map<String, Long> violations, SyncStrategy strategy) {
        List<String> parts = new ArrayList<>();
        if (conflicts > 0) {
            parts.add(conflicts + (conflicts == 1 ? " conflicting row" : " conflicting rows")
                    + (strategy == SyncStrategy.MANUAL ? " need manual resolution" : ""));
        }
        if (!schemaConflicts.isEmpty()) {
            parts.add("schema conflicts in " + schemaConflicts);
        }
        if (!violations.isEmpty()) {
            parts.add("constraint violations " + violations);
        }
        return String.join(", ", parts);
    }

    private FederationException townFailure(SQLException e) {
        return new FederationException(Errors.classifyTown(e) == ErrorCategory.INTERNAL ? ErrorCategory.INTERNAL : Errors.classifyTown(e),
                "town " + town + ": " + Errors.message(e), e);
    }
}
