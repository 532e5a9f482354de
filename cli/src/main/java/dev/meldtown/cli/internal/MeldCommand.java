package dev.meldtown.cli.internal;

import dev.meldtown.crdt.Replica;
import dev.meldtown.crdt.ReplicaStorage;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code meld -s URL -t URL}: copies the files the target lacks (packs and indexes before deltas, so a concurrent
 * reader never sees a block without its pack) and prints the copied keys as a Rust Debug list. libmelda-tools
 * prints them in the source's directory order, which depends on the file system; ours is the copy order.
 */
@Command(name = "meld", description = "Melds two Melda CRDTs", sortOptions = true)
public final class MeldCommand extends Verb {
    @Option(names = {"-s", "--source"}, required = true, paramLabel = "<SOURCE>", description = "replica URL to copy from")
    String source;

    @Option(names = {"-t", "--target"}, required = true, paramLabel = "<TARGET>", description = "replica URL to copy into")
    String target;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Print help information")
    boolean help;

    @Override
    protected int run() {
        try (ReplicaStorage from = openSource(source); ReplicaStorage to = storage(target)) {
            List<String> copied;
            try (Progress progress = progress("copied")) {
                copied = Replica.copyMissing(from, progress.writing(to));
            }
            println(RustDebug.list(copied));
        }
        return EXIT_OK;
    }
}
