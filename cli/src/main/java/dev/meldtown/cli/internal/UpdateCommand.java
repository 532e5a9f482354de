package dev.meldtown.cli.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meldtown.crdt.DocumentLimits;
import dev.meldtown.crdt.InvalidDocumentException;
import dev.meldtown.crdt.Replica;
import dev.meldtown.crdt.ReplicaStorage;
import dev.meldtown.crdt.StorageUrls;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code update -t URL -j FILE [-a A] [-d D]}: makes the replica's state the file's document and commits. The file
 * is read within {@link StorageUrls#documentLimits the target's limits} (a document beyond them is refused before anything is
 * written, with one line naming where), so that every replica it writes stays readable by us and by libmelda-tools.
 */
@Command(name = "update", description = "Updates a Melda CRDT", sortOptions = true)
public final class UpdateCommand extends Verb {
    @Option(names = {"-t", "--target"}, required = true, paramLabel = "<TARGET>", description = "replica URL")
    String target;

    @Option(names = {"-j", "--jsonfile"}, required = true, paramLabel = "<JSONFILE>", description = "the whole new document (a JSON object)")
    Path jsonFile;

    @Option(names = {"-a", "--author"}, paramLabel = "<AUTHOR>", description = "who made the change, stored in the block's information (default: none)")
    String author;

    @Option(names = {"-d", "--description"}, paramLabel = "<DESCRIPTION>", description = "what the change is, stored in the block's information (default: none)")
    String description;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Print help information")
    boolean help;

    @Override
    protected int run() throws IOException {
        DocumentLimits limits = StorageUrls.documentLimits(target);
        ObjectNode doc = readDocument(jsonFile, Invocation.resolve(jsonFile), limits);
        try (ReplicaStorage storage = storage(target)) {
            Replica replica = open(storage).limits(limits);
            replica.update(doc);
            Optional<String> block = replica.commit(author, description);
            println(block.map(b -> "Committed block " + b).orElse("Nothing to commit"));
        }
        return EXIT_OK;
    }

    /** The document in {@code path}, named {@code file} (as the user wrote it) in error lines. */
    static ObjectNode readDocument(Path file, Path path, DocumentLimits limits) throws IOException {
        if (!Files.exists(path)) {
            throw new CliError(EXIT_ERROR, "meldtown update: cannot read " + file + ": no such file");
        }
        if (Files.isDirectory(path)) {
            throw new CliError(EXIT_ERROR, "meldtown update: cannot read " + file + ": is a directory");
        }
        long size = Files.size(path);
        if (size > limits.maxDocumentBytes()) { // refused before reading it
            throw new CliError(EXIT_ERROR, "meldtown update: " + file + ": document of " + size + " bytes exceeds the limit of "
                    + limits.maxDocumentBytes() + " bytes");
        }
        JsonNode n;
        try {
            n = limits.parse(Files.readAllBytes(path));
        } catch (InvalidDocumentException e) {
            throw new CliError(EXIT_ERROR, "meldtown update: " + file + ": " + e.getMessage());
        }
        if (!n.isObject()) {
            throw new CliError(EXIT_ERROR, "meldtown update: " + file + " must hold a JSON object, not " + n.getNodeType().toString().toLowerCase(java.util.Locale.ROOT));
        }
        return (ObjectNode) n;
    }
}
