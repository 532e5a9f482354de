package dev.meldtown.cli.internal;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meldtown.crdt.Replica;
import dev.meldtown.crdt.ReplicaStorage;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code read -s URL [-b BLOCK]}: the document as compact canonical JSON. {@code --json} prints the same (the
 * output already is JSON). A replica without a live root object is an error, as in libmelda-tools.
 */
@Command(name = "read", description = "Reads a Melda CRDT", sortOptions = true)
public final class ReadCommand extends Verb {
    @Option(names = {"-s", "--source"}, required = true, paramLabel = "<SOURCE>", description = "replica URL")
    String source;

    @Option(names = {"-b", "--block"}, paramLabel = "<BLOCK>", description = "read the state as of this block")
    String block;

    @Option(names = "--json", description = "JSON output (the same document)")
    boolean json;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Print help information")
    boolean help;

    @Override
    protected int run() {
        try (ReplicaStorage storage = storage(source)) {
            Replica replica = open(storage);
            if (block != null && !replica.appliedBlocks().contains(block)) {
                throw new CliError(EXIT_ERROR, prefix() + ": unknown block " + block + " in " + source);
            }
            ObjectNode doc = block == null ? replica.read() : replica.readAt(block);
            if (doc.isEmpty()) {
                throw new CliError(EXIT_ERROR, prefix() + ": no document in " + source + " (no live root object "
                        + Replica.ROOT_ID + (block == null ? "" : " as of block " + block) + ")");
            }
            println(json(doc));
        }
        return EXIT_OK;
    }
}
