package dev.meldtown.crdt;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.stream.Collectors;

/**
 * One block as listed by {@code log}.
 *
 * @param block the block id
 * @param marker {@code A} for an anchor, {@code O} for an origin (no parents), {@code -} otherwise
 */
public record LogEntry(String block, char marker, ObjectNode info, List<String> packs, List<String> parents) {
    public LogEntry {
        packs = List.copyOf(packs);
        parents = List.copyOf(parents);
    }

    /** The libmelda-tools 0.2.0 text: marker line, then tab-indented details, sets in Rust Debug form. */
    public String format() {
        StringBuilder sb = new StringBuilder("(").append(marker).append(") Block: ").append(block).append('\n');
        if (info != null) {
            sb.append("\t\tInformation: ").append(CanonicalJson.write(info)).append('\n');
        }
        if (!packs.isEmpty()) {
            sb.append("\t\tPacks: ").append(debugSet(packs)).append('\n');
        }
        if (!parents.isEmpty()) {
            sb.append("\t\tParents: ").append(debugSet(parents)).append('\n');
        }
        return sb.toString();
    }

    private static String debugSet(List<String> s) {
        return s.stream().sorted().map(x -> "\"" + x + "\"").collect(Collectors.joining(", ", "{", "}"));
    }
}
