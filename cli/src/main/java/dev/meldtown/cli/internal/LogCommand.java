package dev.meldtown.cli.internal;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
        try (ReplicaStorage storage = storage(source)) {
            Replica replica = open(storage);
            if (block != null && !replica.appliedBlocks().contains(block)) {
                throw new CliError(EXIT_ERROR, prefix() + ": unknown block " + block + " in " + source);
            }
            List<LogEntry> entries = block == null ? replica.log() : replica.log(block);
            if (json) {
                ArrayNode a = JsonNodeFactory.instance.arrayNode();
                for (LogEntry e : entries) {
                    ObjectNode o = a.addObject();
                    o.put("block", e.block());
                    o.put("marker", String.valueOf(e.marker()));
                    o.put("anchor", e.marker() == 'A');
                    o.put("origin", e.parents().isEmpty());
                    if (e.info() != null) {
                        o.set("information", e.info());
                    }
                    e.packs().stream().sorted().forEach(o.putArray("packs")::add);
                    e.parents().stream().sorted().forEach(o.putArray("parents")::add);
                }
                println(json(a));
            } else {
                for (LogEntry e : entries) {
                    out().print(e.format());
                }
            }
        }
        return EXIT_OK;
    }
}
