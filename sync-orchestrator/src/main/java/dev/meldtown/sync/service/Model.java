package dev.meldtown.sync.service;

import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** JSON bodies of the REST API and the records kept in S3. */
public final class Model {
    private Model() {
    }

    public record Sql(String host, Integer port, String database, String user, String password) {
    }

    /** {@code PUT /towns/{town}}; {@code remoteUser} (optional) is the user peers present when they name this town. */
    public record TownRequest(Sql sql, String remotesApiUrl, String branch, String remoteUser) {
    }

    public record SqlView(String host, int port, String database, String user) {
    }

    public record TownView(String name, SqlView sql, String remotesApiUrl, String branch,
                           @Schema(nullable = true, description = "null when the town was registered without one") String remoteUser) {
    }

    public record PeerRequest(String url, String user, String town) {
    }

    /** {@code user} is null for a peer added by URL without one (found by SchemathesisTest: the document said string). */
    public record PeerView(String name, String url, @Schema(nullable = true, description = "null when the peer was added without a user") String user) {
    }

    public record StrategyRequest(String strategy) {
    }

    public record FederationRequest(List<String> towns, String topology, String strategy, Integer intervalSeconds) {
    }

    /**
     * A federation; {@code lastRound} (issue 13) is null until its first round, and is not part of what is stored under
     * the federation's key (it is kept beside it, see {@link Registry#lastRound}).
     */
    public record FederationView(String name, List<String> towns, String topology, String strategy, Integer intervalSeconds,
                                 @Schema(nullable = true, description = "null until the federation's first round") LastRound lastRound) {
        public FederationView(String name, List<String> towns, String topology, String strategy, Integer intervalSeconds) {
            this(name, towns, topology, strategy, intervalSeconds, null);
        }

        public FederationView withLastRound(LastRound round) {
            return new FederationView(name, towns, topology, strategy, intervalSeconds, round);
        }
    }

    /** The results of a federation's last round: every sync of it (pairs skipped while backing off are not there). */
    public record LastRound(java.time.Instant startTime, java.time.Instant endTime,
                            @Schema(description = "true for a round run by the schedule, false for POST …/sync") boolean scheduled,
                            @Schema(implementation = ApiSchemas.SyncResult.class, type = org.eclipse.microprofile.openapi.annotations.enums.SchemaType.ARRAY)
                            List<dev.meldtown.events.Payloads.SyncResult> results) {
    }

    /** A town as stored: the SQL password only encrypted; peers with their user (Dolt does not store it). */
    public record StoredTown(String name, String host, int port, String database, String user, String passwordEncrypted,
                             String remotesApiUrl, String branch, String remoteUser, Map<String, StoredPeer> peers) {
        public TownView view() {
            return new TownView(name, new SqlView(host, port, database, user), remotesApiUrl, branch, remoteUser);
        }
    }

    public record StoredPeer(String url, String user) {
    }

    /** {@code POST …/peers/{peer}/resolve}: one choice for every kept conflicting row. */
    public record ResolveRequest(List<RowRequest> rows) {
    }

    /** One row's choice: {@code take} is ours, theirs or value; {@code value} (only with value) gives column values. */
    public record RowRequest(String table, Map<String, Object> key, String take, Map<String, Object> value) {
    }

    /** {@code GET …/peers/{peer}/conflicts}: the row conflicts a manual merge met, with the heads it was computed from. */
    public record ConflictSetView(String town, String peer, String ourHead, String theirHead, boolean push,
                                  java.time.Instant computedAt, List<dev.meldtown.events.Payloads.Conflict> rows) {
    }
}
