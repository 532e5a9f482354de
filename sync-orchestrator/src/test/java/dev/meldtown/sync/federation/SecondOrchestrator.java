package dev.meldtown.sync.federation;

import dev.meldtown.events.EventCodec;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * A second orchestrator engine in its own JVM, driven line by line over stdin by {@link TwoInstancesTest}: its own
 * {@link TownSync}, its own JDBC connections, its own in-memory ledger; only the town's SQL server is shared.
 *
 * <p>Arguments: {@code host port database user password branch town peer peerUrl peerUser}. It prints {@code READY}
 * once warmed up; each {@code sync <strategy>} line prints {@code RESULT <SyncResult as JSON>}; {@code quit} ends.
 */
public final class SecondOrchestrator {
    private SecondOrchestrator() {
    }

    public static void main(String[] args) throws Exception {
        PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true, StandardCharsets.UTF_8);
        var connection = new TownConnection(args[0], Integer.parseInt(args[1]), args[2], args[3], args[4], args[5]);
        var federation = new TownSync("acme", args[6], connection);
        var peer = new Peer(args[7], args[8], args[9]);
        federation.syncStatus(peer.name()); // loads the driver and the engine's classes before the race
        EventCodec.mapper();
        out.println("READY");
        var in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line; (line = in.readLine()) != null; ) {
            if (line.startsWith("sync ")) {
                var result = federation.sync(peer, SyncStrategy.parse(line.substring(5).trim()));
                out.println("RESULT " + EventCodec.mapper().writeValueAsString(result));
            } else if (line.equals("quit")) {
                return;
            }
        }
    }
}
