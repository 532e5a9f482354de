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

    public record FederationView(String name, List<String> towns, String topology, String strategy, Integer intervalSeconds) {
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
}
