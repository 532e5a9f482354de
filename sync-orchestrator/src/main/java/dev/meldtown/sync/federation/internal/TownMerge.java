package dev.meldtown.sync.federation.internal;

import dev.meldtown.events.Payloads;
import dev.meldtown.sync.federation.ErrorCategory;
import dev.meldtown.sync.federation.FederationException;
import dev.meldtown.sync.federation.KeptConflicts;
import dev.meldtown.sync.federation.Names;
import dev.meldtown.sync.federation.Peer;
import dev.meldtown.sync.federation.RowChoice;
import dev.meldtown.sync.federation.RowResolutionException;
import dev.meldtown.sync.federation.SyncStrategy;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Merges the peer's fetched branch into the town's, on the operation's session: with a strategy ({@link #merge}), or
 * replaying a kept {@code manual} merge with each row's chosen values ({@link #replay}). Merges run with autocommit off
 * and the conflict-tolerant session variables ({@link Session#beginMerge}), so conflicts can be read and settled on the
 * merging session. A merge is never left in progress: it is committed, or aborted and rolled back
 * ({@link TownBranch#abort}), leaving the working set exactly as it was.
 */
public final class TownMerge {
    private final TownBranch branch;
    private final String author;

    public TownMerge(TownBranch branch, String author) {
        this.branch = branch;
        this.author = author;
    }

    /**
     * Merges {@code peerHead} with {@code strategy}. Conflicts a strategy cannot settle (schema conflicts, constraint
     * violations, or any under {@code manual}) abort the merge and go into the outcome's {@code error}; under
     * {@code manual}, row conflicts alone are also kept ({@code keep}) for row-level resolution.
     */
    public void merge(Session s, Peer peer, SyncStrategy strategy, String peerHead, SyncOutcome o, boolean push) throws SQLException {
        String town = branch.town();
        if (TownBranch.merging(s)) {
            throw new FederationException(ErrorCategory.CONFLICT, "town " + town + " has a merge in progress; it was left untouched");
        }
        if (peerHead.equals(o.headBefore) || TownBranch.isAncestor(s, peerHead, o.headBefore)) {
            o.merged = true; // already contains everything the peer has
            return;
        }
        if (TownBranch.dirty(s)) {
            throw new FederationException(ErrorCategory.CONFLICT,
                    "town " + town + " has uncommitted changes; commit or discard them before merging from " + peer.name());
        }
        int pulled = (int) s.count("SELECT COUNT(*) FROM dolt_log(?)", o.headBefore + ".." + peerHead);
        String message = message(peer);
        s.beginMerge();
        try {
            var row = s.row("CALL DOLT_MERGE('--author', ?, '-m', ?, ?)", author, message, branch.peerRef(peer.name()));
            if (!TownBranch.truthy(row.get("conflicts"))) {
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
                branch.abort(s, o.headBefore);
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
                branch.abort(s, o.headBefore);
                o.error = ErrorCategory.CONFLICT.error("conflicts remained after resolving with " + strategy.wire()
                        + "; the merge from " + peer.name() + " was aborted");
                return;
            }
            for (String table : tables) {
                s.execute("CALL DOLT_ADD(?)", table);
            }
            s.execute("CALL DOLT_COMMIT('-m', ?, '--author', ?)",
                    message + " (" + conflicts.size() + " conflicts resolved with " + strategy.wire() + ")", author);
            s.commit();
            o.merged = true;
            o.pulledCommits = pulled;
            o.conflictsResolved = conflicts.size();
        } catch (SQLException | RuntimeException e) {
            branch.abort(s, o.headBefore);
            throw e instanceof SQLException sql
                    ? new FederationException(ErrorCategory.INTERNAL, "merge from " + peer.name() + " failed and was aborted: " + Errors.message(sql), sql)
                    : (RuntimeException) e;
        } finally {
            s.endMerge();
        }
    }

    /**
     * Replays the kept {@code manual} merge of {@code peerHead} and writes each row's choice ({@code byRow}); commits only
     * when the replay meets exactly the kept conflicts and the choices leave none.
     *
     * @throws RowResolutionException {@code STALE} when the replay meets other conflicts, {@code MISMATCH} when the choices
     *         leave conflicts or violations; the merge is aborted first
     */
    public void replay(Session s, Peer peer, KeptConflicts kept, Map<String, RowChoice> byRow, String peerHead, SyncOutcome o)
            throws SQLException {
        String town = branch.town();
        if (TownBranch.merging(s)) {
            throw new FederationException(ErrorCategory.CONFLICT, "town " + town + " has a merge in progress; it was left untouched");
        }
        if (TownBranch.dirty(s)) {
            throw new FederationException(ErrorCategory.CONFLICT,
                    "town " + town + " has uncommitted changes; commit or discard them before resolving conflicts with " + peer.name());
        }
        int pulled = (int) s.count("SELECT COUNT(*) FROM dolt_log(?)", o.headBefore + ".." + peerHead);
        String message = message(peer);
        s.beginMerge();
        try {
            var row = s.row("CALL DOLT_MERGE('--author', ?, '-m', ?, ?)", author, message, branch.peerRef(peer.name()));
            List<Payloads.Conflict> replayed = TownBranch.truthy(row.get("conflicts")) ? ConflictReader.read(s) : List.of();
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
                    + counts.ours() + " ours, " + counts.theirs() + " theirs, " + counts.value() + " value)", author);
            s.commit();
            o.merged = true;
            o.pulledCommits = pulled;
            o.conflicts = kept.rows();
            o.conflictsResolved = byRow.size();
            o.resolution = new Payloads.Resolution(kept.ourHead(), kept.theirHead(), counts.ours(), counts.theirs(), counts.value());
        } catch (SQLException | RuntimeException e) {
            branch.abort(s, o.headBefore);
            if (e instanceof SQLException sql) {
                throw new FederationException(ErrorCategory.INTERNAL, "resolving the merge from " + peer.name()
                        + " failed and was aborted: " + Errors.message(sql), sql);
            }
            throw (RuntimeException) e;
        } finally {
            s.endMerge();
        }
    }

    private String message(Peer peer) {
        return "Merge " + peer.name() + "/" + branch.branch() + " into " + branch.town();
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
}
