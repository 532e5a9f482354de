package dev.meldtown.cli.internal;

import dev.meldtown.crdt.LogEntry;
import dev.meldtown.crdt.Replica;
import dev.meldtown.crdt.ReplicaStorage;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code log -s URL [-b BLOCK]}: blocks breadth-first from the anchors (or from BLOCK), in libmelda-tools' text.
 * {@code --json}: one array of {@code {"block","marker","anchor","origin","information"?,"packs","parents"}}.
 */
@Command(name = "log", description = "Show the log of a Melda CRDT", sortOptions = true)
public final class LogCommand extends Verb {
    @Option(names = {"-s", "--source"}, required = true, paramLabel = "<SOURCE>", description = "replica URL")
    String source;

    @Option(names = {"-b", "--block"}, paramLabel = "<BLOCK>", description = "start from this block (it is then the only anchor)")
    String block;

    @Option(names = "--json", description = "JSON output")
    boolean json;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Print help information")
    boolean help;

    @Override
    protected int run() {
        try (ReplicaStorage storage = openSource(source)) {
            Replica replica = open(storage);
            if (block != null && !replica.appliedBlocks().contains(block)) {
                throw new CliError(EXIT_ERROR, prefix() + ": unknown block " + block + " in " + source);
            }
            List<LogEntry> entries = block == null ? replica.log() : replica.log(block);
            if (json) {
                println(json(JsonViews.log(entries)));
            } else {
                for (LogEntry e : entries) {
                    out().print(e.format());
                }
            }
        }
        return EXIT_OK;
    }
}
