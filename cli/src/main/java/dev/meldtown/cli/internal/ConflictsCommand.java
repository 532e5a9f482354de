package dev.meldtown.cli.internal;

import dev.meldtown.crdt.Conflict;
import dev.meldtown.crdt.Replica;
import dev.meldtown.crdt.ReplicaStorage;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code conflicts -s URL}: each object with several leaves, its winner (🏆) and other leaves (🗲) with their raw
 * stored values. {@code --json}: {@code [{"object","winner":{"revision","value"},"others":[…]}]}.
 */
@Command(name = "conflicts", description = "Show which objects are in conflict", sortOptions = true)
public final class ConflictsCommand extends Verb {
    @Option(names = {"-s", "--source"}, required = true, paramLabel = "<SOURCE>", description = "replica URL")
    String source;

    @Option(names = "--json", description = "JSON output")
    boolean json;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Print help information")
    boolean help;

    @Override
    protected int run() {
        try (ReplicaStorage storage = openSource(source)) {
            List<Conflict> conflicts = open(storage).conflicts();
            if (json) {
                println(json(JsonViews.conflicts(conflicts)));
            } else {
                for (Conflict c : conflicts) {
                    println(c.uuid() + ":");
                    println("\t\uD83C\uDFC6 " + c.winner().revision() + ": " + json(c.winner().value()));
                    for (Conflict.Leaf l : c.others()) {
                        println("\t\uD83D\uDDF2 " + l.revision() + ": " + json(l.value()));
                    }
                }
            }
        }
        return EXIT_OK;
    }
}
