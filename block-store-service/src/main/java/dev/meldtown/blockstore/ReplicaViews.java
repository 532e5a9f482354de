package dev.meldtown.blockstore;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meldtown.crdt.Conflict;
import dev.meldtown.crdt.LogEntry;
import dev.meldtown.crdt.Resolution;
import dev.meldtown.crdt.Revision;
import java.util.List;

/**
 * The API's answers for a replica's {@code log}, {@code conflicts}, {@code history} and {@code resolve}: the same
 * JSON shapes as the CLI's {@code --json} output (contracts.md), as typed records.
 */
public final class ReplicaViews {
    private ReplicaViews() {
    }

    /** One block: {@code information} only when the block has one; packs and parents sorted. */
    @JsonPropertyOrder({"block", "marker", "anchor", "origin", "information", "packs", "parents"})
    public record LogView(String block, String marker, boolean anchor, boolean origin,
            @JsonInclude(JsonInclude.Include.NON_NULL) ObjectNode information, List<String> packs, List<String> parents) {
        static LogView of(LogEntry e) {
            return new LogView(e.block(), String.valueOf(e.marker()), e.marker() == 'A', e.parents().isEmpty(), e.info(),
                    e.packs().stream().sorted().toList(), e.parents().stream().sorted().toList());
        }
    }

    /** A leaf of a conflicting object: its revision and raw value. */
    @JsonPropertyOrder({"revision", "value"})
    public record LeafView(String revision, JsonNode value) {
        static LeafView of(Conflict.Leaf l) {
            return new LeafView(l.revision().toString(), l.value());
        }
    }

    /** An object in conflict: the winning leaf and the others. */
    @JsonPropertyOrder({"object", "winner", "others"})
    public record ConflictView(String object, LeafView winner, List<LeafView> others) {
        static ConflictView of(Conflict c) {
            return new ConflictView(c.uuid(), LeafView.of(c.winner()), c.others().stream().map(LeafView::of).toList());
        }
    }

    /** A resolved object: its new winner and the one before ({@code null} if none). */
    @JsonPropertyOrder({"object", "winner", "previousWinner"})
    public record ResolutionView(String object, String winner, String previousWinner) {
        static ResolutionView of(Resolution r) {
            return new ResolutionView(r.uuid(), r.winner().toString(), r.previousWinner() == null ? null : r.previousWinner().toString());
        }
    }

    public static List<LogView> log(List<LogEntry> entries) {
        return entries.stream().map(LogView::of).toList();
    }

    public static List<ConflictView> conflicts(List<Conflict> conflicts) {
        return conflicts.stream().map(ConflictView::of).toList();
    }

    /** Revisions, winner first, as strings. */
    public static List<String> history(List<Revision> history) {
        return history.stream().map(Revision::toString).toList();
    }

    public static List<ResolutionView> resolutions(List<Resolution> resolutions) {
        return resolutions.stream().map(ResolutionView::of).toList();
    }
}
