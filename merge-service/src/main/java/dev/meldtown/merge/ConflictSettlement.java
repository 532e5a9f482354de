package dev.meldtown.merge;

import dev.meldtown.crdt.Conflict;
import dev.meldtown.crdt.DeltaBlock;
import dev.meldtown.crdt.Replica;
import dev.meldtown.model.DocumentSettings;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * A document's conflict policy applied to a replica after a meld, with no I/O of its own: {@code keep} leaves every
 * conflict visible; {@code resolve-to-winner} resolves each to its current winner and records that in one block by
 * {@value MergeProcessor#AUTHOR}, stored by the replica's commit, with {@code beforeStored} called between its pack and
 * its delta (where the caller records its intent to announce it). Pure over {@link Replica}, so it is tested on
 * in-memory replicas ({@code ConflictSettlementTest}) beside the real-broker tests.
 */
public final class ConflictSettlement {
    /** The conflicts found, and the block that resolved them (empty when the policy keeps them or none were found). */
    public record Outcome(List<String> conflictIds, Optional<DeltaBlock> resolve) {
        public boolean resolved() {
            return resolve.isPresent();
        }
    }

    private ConflictSettlement() {
    }

    /**
     * @param applyPolicy false for a fan-out target (the policy is applied where blocks arrive: the hub), true otherwise
     */
    public static Outcome settle(Replica replica, DocumentSettings settings, boolean applyPolicy, Consumer<DeltaBlock> beforeStored) {
        List<String> ids = replica.conflicts().stream().map(Conflict::uuid).toList();
        if (!applyPolicy || ids.isEmpty() || !settings.resolveToWinner()) {
            return new Outcome(ids, Optional.empty());
        }
        replica.resolveAll();
        Optional<DeltaBlock> block = replica.commit(MergeProcessor.AUTHOR, "resolve " + ids.size() + " conflicting objects to their winners", beforeStored)
                .map(replica::block);
        return new Outcome(ids, block);
    }
}
