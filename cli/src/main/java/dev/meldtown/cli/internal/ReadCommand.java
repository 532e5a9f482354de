package dev.meldtown.cli.internal;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meldtown.crdt.Replica;
import dev.meldtown.crdt.ReplicaStorage;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code read -s URL [-b BLOCK]}: the document as compact canonical JSON. {@code --json} prints the same (the
 * output already is JSON). A replica without a live root object is an error, as in libmelda-tools. A corrupt
 * {@code .pack} or {@code .delta} (see {@link Replica#corruptFiles()}) is an error too: libmelda-tools skips the
 * blocks that need it and prints older data as if it were current; we name the file and exit 1 instead,
 * unless {@code --partial} asks for the intact part explicitly (then a warning line names the skipped files).
 */
@Command(name = "read", description = "Reads a Melda CRDT", sortOptions = true)
public final class ReadCommand extends Verb {
    @Option(names = {"-s", "--source"}, required = true, paramLabel = "<SOURCE>", description = "replica URL")
    String source;

    @Option(names = {"-b", "--block"}, paramLabel = "<BLOCK>", description = "read the state as of this block")
    String block;

    @Option(names = "--partial", description = "read even when files are corrupt: print the state without the blocks that need them (a warning names the files); without it, a corrupt file is an error")
    boolean partial;

    @Option(names = "--json", description = "JSON output (the same document)")
    boolean json;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Print help information")
    boolean help;

    @Override
    protected int run() {
        try (ReplicaStorage storage = openSource(source)) {
            Replica replica;
            try (Progress progress = progress("read")) {
                replica = Replica.open(progress.reading(storage));
            }
            Map<String, String> corrupt = replica.corruptFiles();
            if (!corrupt.isEmpty() && partial) {
                warn("partial read: " + corrupt.size() + " corrupt file(s) skipped, e.g. " + corrupt.keySet().iterator().next()
                        + ": the state shown lacks the blocks that need them");
            } else if (!corrupt.isEmpty()) {
                // printing the state without the blocks that need these files would show older data as current
                Map.Entry<String, String> first = corrupt.entrySet().iterator().next();
                throw new CliError(EXIT_ERROR, prefix() + ": corrupt file " + first.getKey() + " in " + source + ": " + first.getValue()
                        + (corrupt.size() > 1 ? " (and " + (corrupt.size() - 1) + " more corrupt file(s))" : "") + "; --partial reads what is intact");
            }
            warnInvalid(replica); // blocks waiting for a parent or a pack: a meld may be under way
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
