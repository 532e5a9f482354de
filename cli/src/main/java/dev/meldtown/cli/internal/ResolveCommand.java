package dev.meldtown.cli.internal;

import dev.meldtown.crdt.Conflict;
import dev.meldtown.crdt.Replica;
import dev.meldtown.crdt.ReplicaStorage;
import dev.meldtown.crdt.Resolution;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code resolve -t URL [-o UUID [-w REV]]}: resolves every conflict to its winner, or one object to a chosen
 * leaf, commits (without information) and prints {@code Committed changes}. Exit 1 with
 * {@code <uuid> has no conflicts}, exit 2 with {@code <rev> not a valid winner}, as libmelda-tools.
 * The target must be a replica (or an empty directory): libmelda-tools prints {@code Committed changes} for a
 * directory that does not exist; we say there is no replica there and exit 1.
 */
@Command(name = "resolve", description = "Resolves a conflict by picking up a winner", sortOptions = true)
public final class ResolveCommand extends Verb {
    @Option(names = {"-t", "--target"}, required = true, paramLabel = "<TARGET>", description = "replica URL")
    String target;

    @Option(names = {"-o", "--object"}, paramLabel = "<OBJECT>", description = "resolve only this object")
    String object;

    @Option(names = {"-w", "--winner"}, paramLabel = "<WINNER>", description = "the leaf revision to keep (with -o; default: the current winner)")
    String winner;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Print help information")
    boolean help;

    @Override
    protected int run() {
        try (ReplicaStorage storage = openSource(target)) {
            Replica replica = open(storage);
            List<Resolution> done = new ArrayList<>();
            if (object == null) {
                if (winner != null) {
                    warn("--winner is ignored without --object");
                }
                done.addAll(replica.resolveAll());
            } else {
                Conflict conflict = replica.conflicts().stream().filter(c -> c.uuid().equals(object)).findFirst()
                        .orElseThrow(() -> new CliError(EXIT_ERROR, object + " has no conflicts"));
                String chosen = winner == null ? conflict.winner().revision().toString() : winner;
                boolean leaf = conflict.winner().revision().toString().equals(chosen)
                        || conflict.others().stream().map(l -> l.revision().toString()).anyMatch(chosen::equals);
                if (!leaf) {
                    throw new CliError(EXIT_USAGE, chosen + " not a valid winner");
                }
                done.add(replica.resolve(object, chosen));
            }
            for (Resolution r : done) {
                println(r.uuid() + " resolved as " + r.winner() + " (previous: " + r.previousWinner() + ")");
            }
            replica.commit((com.fasterxml.jackson.databind.node.ObjectNode) null);
            println("Committed changes");
        }
        return EXIT_OK;
    }

}
