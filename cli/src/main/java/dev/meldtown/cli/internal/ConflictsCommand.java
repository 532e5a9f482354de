package dev.meldtown.cli.internal;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
        try (ReplicaStorage storage = storage(source)) {
            List<Conflict> conflicts = open(storage).conflicts();
            if (json) {
                ArrayNode a = JsonNodeFactory.instance.arrayNode();
                for (Conflict c : conflicts) {
                    ObjectNode o = a.addObject();
                    o.put("object", c.uuid());
                    o.set("winner", leaf(c.winner()));
                    ArrayNode others = o.putArray("others");
                    c.others().forEach(l -> others.add(leaf(l)));
                }
                println(json(a));
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

    private static ObjectNode leaf(Conflict.Leaf l) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("revision", l.revision().toString());
        o.set("value", l.value());
        return o;
    }
}
