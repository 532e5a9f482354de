package dev.meldtown.cli.internal.hub;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code round FEDERATION}: one round of the federation now, a row per sync; exit 4 when any sync failed. */
@Command(name = "round", description = "Run one round of a federation now", sortOptions = true)
public final class RoundCommand extends HubVerb {
    static final List<String> HEADERS = List.of("TOWN", "PEER", "STRATEGY", "PULLED", "PUSHED", "CONFLICTS", "HEAD", "ERROR");

    @Parameters(index = "0", paramLabel = "FEDERATION", description = "a federation of the tenant")
    String federation;

    static List<String> row(JsonNode r) {
        String head = r.path("headAfter").asText("");
        String failed = failure(r);
        return List.of(cell(r.get("town")), cell(r.get("peer")), cell(r.get("strategy")), cell(r.get("pulledCommits")),
                cell(r.get("pushedCommits")), String.valueOf(r.path("conflicts").size()),
                head.isEmpty() ? "-" : head.substring(0, Math.min(12, head.length())), failed == null ? "-" : failed);
    }

    @Override
    protected int run() {
        JsonNode results = hub().post(Hub.Service.SYNC, "/federations/" + Names.check(prefix(), "federation", federation) + "/sync", null);
        List<List<String>> rows = new ArrayList<>();
        int failed = 0;
        for (JsonNode r : results) {
            rows.add(row(r));
            failed += failure(r) == null ? 0 : 1;
        }
        print(results, HEADERS, rows);
        if (failed > 0) {
            error(prefix() + ": " + failed + " of " + results.size() + " syncs of " + federation + " failed; first: "
                    + rows.stream().map(x -> x.get(0) + " with " + x.get(1) + ": " + x.get(7)).filter(x -> !x.endsWith(": -")).findFirst().orElse(""));
            return EXIT_SYNC_FAILED;
        }
        return EXIT_OK;
    }
}
