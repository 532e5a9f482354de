package dev.meldtown.cli.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meldtown.crdt.InvalidRevisionException;
import dev.meldtown.crdt.Replica;
import dev.meldtown.crdt.ReplicaStorage;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code value -s URL -o UUID [-r REV]}: the raw stored content at a revision (default: the winner).
 * {@code --json}: {@code {"object","revision","value"}}.
 */
@Command(name = "value", description = "Prints the value of an object for the given revision (or the winner)", sortOptions = true)
public final class ValueCommand extends Verb {
    @Option(names = {"-s", "--source"}, required = true, paramLabel = "<SOURCE>", description = "replica URL")
    String source;

    @Option(names = {"-o", "--object"}, required = true, paramLabel = "<OBJECT>", description = "object id")
    String object;

    @Option(names = {"-r", "--revision"}, paramLabel = "<REVISION>", description = "revision (default: the winner)")
    String revision;

    @Option(names = "--json", description = "JSON output")
    boolean json;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Print help information")
    boolean help;

    @Override
    protected int run() {
        try (ReplicaStorage storage = openSource(source)) {
            Replica replica = open(storage);
            if (!replica.objectIds().contains(object)) {
                throw new CliError(EXIT_INVALID, revision == null
                        ? "Invalid object " + object + ": unknown_document"
                        : "Invalid object or revision " + object + " " + revision + ": unknown_document");
            }
            String rev = revision == null ? replica.winner(object).toString() : revision;
            JsonNode value;
            try {
                value = replica.value(object, rev);
            } catch (InvalidRevisionException e) {
                throw new CliError(EXIT_INVALID, "Invalid object or revision " + object + " " + rev + ": invalid object revision");
            }
            if (json) {
                ObjectNode o = JsonNodeFactory.instance.objectNode();
                o.put("object", object);
                o.put("revision", rev);
                o.set("value", value);
                println(json(o));
            } else {
                println(json(value));
            }
        }
        return EXIT_OK;
    }
}
