package dev.meldtown.cli.internal;

import dev.meldtown.crdt.Replica;
import dev.meldtown.crdt.ReplicaStorage;
import dev.meldtown.crdt.Revision;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code history -s URL -o UUID}: the winner, then each parent revision down to the first. {@code --json}: an array. */
@Command(name = "history", description = "Prints the history of revisions of an object", sortOptions = true)
public final class HistoryCommand extends Verb {
    @Option(names = {"-s", "--source"}, required = true, paramLabel = "<SOURCE>", description = "replica URL")
    String source;

    @Option(names = {"-o", "--object"}, required = true, paramLabel = "<OBJECT>", description = "object id")
    String object;

    @Option(names = "--json", description = "JSON output")
    boolean json;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Print help information")
    boolean help;

    @Override
    protected int run() {
        try (ReplicaStorage storage = openSource(source)) {
            Replica replica = open(storage);
            if (!replica.objectIds().contains(object)) {
                throw new CliError(EXIT_INVALID, "Invalid object " + object + ": unknown_document");
            }
            List<Revision> history = replica.history(object);
            if (json) {
                println(json(JsonViews.history(history)));
            } else {
                history.forEach(r -> println(r.toString()));
            }
        }
        return EXIT_OK;
    }
}
