package dev.meldtown.cli.internal.hub;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;

/** {@code federations}: the tenant's federations ({@code GET /federations} of the sync-orchestrator). */
@Command(name = "federations", description = "List the tenant's federations", sortOptions = true)
public final class FederationsCommand extends HubVerb {
    @Override
    protected int run() {
        JsonNode feds = hub().get(Hub.Service.SYNC, "/federations");
        List<List<String>> rows = new ArrayList<>();
        for (JsonNode f : feds) {
            List<String> towns = new ArrayList<>();
            f.path("towns").forEach(t -> towns.add(t.asText()));
            rows.add(List.of(cell(f.get("name")), String.join(",", towns), cell(f.get("topology")), cell(f.get("strategy")),
                    f.path("intervalSeconds").isNumber() ? f.get("intervalSeconds").asText() + " s" : "-"));
        }
        print(feds, List.of("FEDERATION", "TOWNS", "TOPOLOGY", "STRATEGY", "INTERVAL"), rows);
        return EXIT_OK;
    }
}
