package dev.meldtown.cli.internal.hub;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code status TOWN PEER}: how the town stands against the peer, without fetching. */
@Command(name = "status", description = "Show how a town stands against a peer (never fetches)", sortOptions = true)
public final class StatusCommand extends HubVerb {
    @Parameters(index = "0", paramLabel = "TOWN", description = "a registered town")
    String town;

    @Parameters(index = "1", paramLabel = "PEER", description = "one of the town's peers")
    String peer;

    @Override
    protected int run() {
        JsonNode s = hub().get(Hub.Service.SYNC, "/towns/" + Names.check(prefix(), "town", town) + "/peers/"
                + Names.check(prefix(), "peer", peer) + "/status");
        List<List<String>> rows = new ArrayList<>();
        for (String f : List.of("peer", "localAhead", "localBehind", "diverged", "hasConflicts", "lastAttempt", "lastSuccess", "lastError")) {
            rows.add(List.of(f, cell(s.get(f))));
        }
        print(s, List.of("FIELD", "VALUE"), rows);
        return EXIT_OK;
    }
}
