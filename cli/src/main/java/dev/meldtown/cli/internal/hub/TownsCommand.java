package dev.meldtown.cli.internal.hub;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;

/** {@code towns}: the tenant's registered towns ({@code GET /towns} of the sync-orchestrator). */
@Command(name = "towns", description = "List the tenant's towns (sync-orchestrator at $MELDTOWN_SYNC)", sortOptions = true)
public final class TownsCommand extends HubVerb {
    @Override
    protected int run() {
        JsonNode towns = hub().get(Hub.Service.SYNC, "/towns");
        List<List<String>> rows = new ArrayList<>();
        for (JsonNode t : towns) {
            JsonNode sql = t.path("sql");
            rows.add(List.of(cell(t.get("name")), sql.path("host").asText("-") + ":" + sql.path("port").asText("-") + "/" + sql.path("database").asText("-"),
                    cell(t.get("remotesApiUrl")), cell(t.get("branch")), cell(t.get("remoteUser"))));
        }
        print(towns, List.of("TOWN", "SQL", "REMOTESAPI", "BRANCH", "REMOTE USER"), rows);
        return EXIT_OK;
    }
}
