package dev.meldtown.cli.internal.hub;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code peers TOWN}: the town's peers, its Dolt remotes ({@code GET /towns/{town}/peers}). */
@Command(name = "peers", description = "List a town's peers (its Dolt remotes)", sortOptions = true)
public final class PeersCommand extends HubVerb {
    @Parameters(index = "0", paramLabel = "TOWN", description = "a registered town")
    String town;

    @Override
    protected int run() {
        JsonNode peers = hub().get(Hub.Service.SYNC, "/towns/" + Names.check(prefix(), "town", town) + "/peers");
        List<List<String>> rows = new ArrayList<>();
        for (JsonNode p : peers) {
            rows.add(List.of(cell(p.get("name")), cell(p.get("url")), cell(p.get("user"))));
        }
        print(peers, List.of("PEER", "URL", "USER"), rows);
        return EXIT_OK;
    }
}
