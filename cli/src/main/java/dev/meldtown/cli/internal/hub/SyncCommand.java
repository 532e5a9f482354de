package dev.meldtown.cli.internal.hub;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code sync TOWN PEER [--strategy S]}: one full sync (fetch, merge, push) and its SyncResult. Exit 0 when it
 * succeeded, 4 when it ran and failed (stderr names the error category: transport, auth, not_found, conflict,
 * rejected, internal), 1 when the sync-orchestrator could not be asked.
 */
@Command(name = "sync", description = "Sync a town with a peer: fetch, merge, push", sortOptions = true)
public final class SyncCommand extends HubVerb {
    @Parameters(index = "0", paramLabel = "TOWN", description = "a registered town")
    String town;

    @Parameters(index = "1", paramLabel = "PEER", description = "one of the town's peers")
    String peer;

    @Option(names = "--strategy", paramLabel = "<STRATEGY>", description = "how merge conflicts are settled: ours, theirs or manual (default: the service's)")
    Strategy strategy;

    /** The strategies of contracts §2.2. */
    public enum Strategy { ours, theirs, manual }

    @Override
    protected int run() {
        JsonNode r = hub().post(Hub.Service.SYNC, "/towns/" + Names.check(prefix(), "town", town) + "/peers/"
                + Names.check(prefix(), "peer", peer) + "/sync", strategy == null ? Map.of() : Map.of("strategy", strategy.name()));
        print(r, RoundCommand.HEADERS, List.of(RoundCommand.row(r)));
        String failed = failure(r);
        if (failed != null) {
            error(prefix() + ": " + town + " with " + peer + " failed: " + failed);
            return EXIT_SYNC_FAILED;
        }
        return EXIT_OK;
    }
}
