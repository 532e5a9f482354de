package dev.meldtown.cli.internal.hub;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;

/**
 * {@code docs}: the tenant's documents in the block-store ({@code GET /docs}, every page followed), with the URL of
 * the replica {@code main} a replica verb takes. {@code --json}: the array of names.
 */
@Command(name = "docs", description = "List the tenant's documents (block-store at $MELDTOWN_HUB)", sortOptions = true)
public final class DocsCommand extends HubVerb {
    @Override
    protected int run() {
        Hub hub = hub();
        ArrayNode names = Hub.JSON.createArrayNode();
        String after = null;
        do {
            JsonNode page = hub.get(Hub.Service.BLOCK_STORE, "/docs" + (after == null ? "" : "?startAfter=" + URLEncoder.encode(after, StandardCharsets.UTF_8)));
            page.path("docs").forEach(names::add);
            JsonNode next = page.path("next");
            after = next.isTextual() && !next.asText().equals(after) ? next.asText() : null;
        } while (after != null);
        List<List<String>> rows = new ArrayList<>();
        for (JsonNode n : names) {
            rows.add(List.of(n.asText(), hub.address(Hub.Service.BLOCK_STORE) + "/v1/tenants/" + hub.tenant() + "/docs/" + n.asText() + "/replicas/<R>"));
        }
        print(names, List.of("DOC", "REPLICA URL"), rows);
        return EXIT_OK;
    }
}
