package dev.meldtown.sync.federation;


/**
 * A peer of a town: the Dolt remote {@code name} with its expected {@code url} and the remotesapi
 * {@code user} to present (or {@code null} for an unauthenticated remote).
 *
 * <p><b>Dolt constraint:</b> Dolt never stores credentials with a remote. The user is passed as
 * {@code --user} on every fetch, pull and push; the password is read by Dolt from the environment variable
 * {@code DOLT_REMOTE_PASSWORD} of the process that performs the transfer, which for {@code CALL DOLT_FETCH}
 * and friends is the town's {@code dolt sql-server}. A town server therefore holds exactly one remote
 * password, and every peer it fetches from or pushes to must accept that password for {@code user}
 * (e.g. one shared federation account). It cannot be sent from here.
 */
public record Peer(String name, String url, String user) {
    public Peer {
        Names.requireName("peer", name);
        Names.requireUrl(url);
        if (user != null) {
            Names.requireUser(user);
        }
    }
}
