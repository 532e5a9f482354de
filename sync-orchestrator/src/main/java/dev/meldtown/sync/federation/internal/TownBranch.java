package dev.meldtown.sync.federation.internal;

import dev.meldtown.sync.federation.ErrorCategory;
import dev.meldtown.sync.federation.FederationException;
import dev.meldtown.sync.federation.Names;
import dev.meldtown.sync.federation.Peer;
import dev.meldtown.sync.federation.TownConnection;
import java.sql.SQLException;

/**
 * The town's branch as one sync operation sees it on its session: which branch is checked out, its head, the peer's
 * remote and remote-tracking branch, and the transfers (fetch, fast-forward push) and the undo of a merge. Every
 * method works on the session it is given; {@code TownSync} opens it, takes the town's lock and closes it.
 */
public final class TownBranch {
    private final String town;
    private final TownConnection connection;

    public TownBranch(String town, TownConnection connection) {
        this.town = town;
        this.connection = connection;
    }

    public String town() {
        return town;
    }

    public String branch() {
        return connection.branch();
    }

    /** Checks out the town's branch when the session is on another one. */
    public void checkout(Session s) throws SQLException {
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
    public void requireRemote(Session s, Peer peer) throws SQLException {
        String url = s.string("SELECT url FROM dolt_remotes WHERE name = ?", peer.name());
        if (url == null) {
            throw new FederationException(ErrorCategory.NOT_FOUND, "town " + town + " has no remote '" + peer.name() + "'");
        }
        if (!url.equals(peer.url())) {
            throw new FederationException(ErrorCategory.CONFLICT, "remote '" + peer.name() + "' of town " + town
                    + " points at " + url + ", not " + peer.url() + "; refusing to send credentials");
        }
    }

    public String head(Session s) throws SQLException {
        return Names.requireHash(s.string("SELECT DOLT_HASHOF(?)", connection.branch()));
    }

    /** The head of the peer's remote-tracking branch as last fetched; null when never fetched. */
    public String trackingHash(Session s, String peer) throws SQLException {
        String hash = s.string("SELECT hash FROM dolt_remote_branches WHERE name = ?",
                "remotes/" + peer + "/" + connection.branch());
        return hash == null ? null : Names.requireHash(hash);
    }

    /** True when {@code ancestor} is reachable from {@code descendant}. */
    public static boolean isAncestor(Session s, String ancestor, String descendant) throws SQLException {
        return truthy(s.scalar("SELECT HAS_ANCESTOR(?, ?)", descendant, ancestor));
    }

    /** The peer's branch as Dolt names it in a merge or a status ({@code <peer>/<branch>}). */
    public String peerRef(String peer) {
        return peer + "/" + connection.branch();
    }

    /** True when a merge is in progress on the town. */
    public static boolean merging(Session s) throws SQLException {
        return s.exists("SELECT 1 FROM dolt_merge_status WHERE is_merging");
    }

    /** True when the working set holds uncommitted changes. */
    public static boolean dirty(Session s) throws SQLException {
        return s.exists("SELECT 1 FROM dolt_status LIMIT 1");
    }

    /** Fetches the peer's branch into {@code remotes/<peer>/<branch>}; the working set is untouched. */
    public void fetch(Session s, Peer peer) {
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

    /**
     * Pushes the town's branch to the peer, fast-forward only. A rejection or a failure goes into the outcome's
     * {@code pushError}; it never undoes what the operation did before.
     */
    public void push(Session s, Peer peer, SyncOutcome o) throws SQLException {
        String local = head(s);
        String peerHead = trackingHash(s, peer.name());
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

    /** Undoes a merge: abort, roll back, and as a last resort hard-reset (the working set was clean). */
    public void abort(Session s, String headBefore) throws SQLException {
        try {
            s.execute("CALL DOLT_MERGE('--abort')");
        } catch (SQLException ignored) {
            // no merge state in this transaction; the rollback below covers it
        }
        s.rollback();
        s.endMerge();
        if (merging(s) || dirty(s) || !headBefore.equals(head(s))) {
            s.execute("CALL DOLT_RESET('--hard', ?)", headBefore);
        }
    }

    /** A town failure (its SQL server) as the operation reports it. */
    public FederationException failure(SQLException e) {
        return new FederationException(Errors.classifyTown(e) == ErrorCategory.INTERNAL ? ErrorCategory.INTERNAL : Errors.classifyTown(e),
                "town " + town + ": " + Errors.message(e), e);
    }

    static boolean truthy(Object v) {
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
}
