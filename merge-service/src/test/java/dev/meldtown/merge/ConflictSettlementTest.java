package dev.meldtown.merge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meldtown.crdt.MemoryStorage;
import dev.meldtown.crdt.Replica;
import dev.meldtown.model.DocumentSettings;
import org.junit.jupiter.api.Test;

/**
 * The fast tier of merge-service (no Kafka, no S3): the conflict policy applied to real in-memory replicas. The
 * real-broker tests ({@code PolicyAndPoisonTest}) cover the same policy through events.
 */
class ConflictSettlementTest {
    private static final DocumentSettings KEEP = new DocumentSettings(DocumentSettings.Compression.NONE, DocumentSettings.ConflictPolicy.KEEP);
    private static final DocumentSettings RESOLVE = new DocumentSettings(DocumentSettings.Compression.NONE,
            DocumentSettings.ConflictPolicy.RESOLVE_TO_WINNER);

    /** Two replicas that changed the same item concurrently, melded into the first: one conflict. */
    private static Replica conflicted() {
        Replica alice = Replica.open(new MemoryStorage());
        alice.update("{\"items♭\":[{\"_id\":\"a\",\"title\":\"first\"}]}");
        alice.commit("alice", "first");
        MemoryStorage bobStorage = new MemoryStorage();
        Replica.copyMissing(alice.storage(), bobStorage);
        Replica bob = Replica.open(bobStorage);
        alice.update("{\"items♭\":[{\"_id\":\"a\",\"title\":\"alice\"}]}");
        alice.commit("alice", "mine");
        bob.update("{\"items♭\":[{\"_id\":\"a\",\"title\":\"bob\"}]}");
        bob.commit("bob", "mine");
        alice.meld(bobStorage);
        assertThat(alice.conflicts()).as("the setup makes one conflict").hasSize(1);
        return alice;
    }

    private static final java.util.function.Consumer<dev.meldtown.crdt.DeltaBlock> NO_HOOK = b -> {
    };

    @Test
    void keepLeavesTheConflictVisibleAndWritesNothing() {
        Replica r = conflicted();
        int blocks = r.appliedBlocks().size();
        ConflictSettlement.Outcome outcome = ConflictSettlement.settle(r, KEEP, true, NO_HOOK);
        assertThat(outcome.conflictIds()).containsExactly(r.conflicts().get(0).uuid());
        assertThat(outcome.resolved()).isFalse();
        assertThat(r.conflicts()).hasSize(1);
        assertThat(r.appliedBlocks()).hasSize(blocks);
    }

    @Test
    void resolveToWinnerRecordsOneBlockByTheMergeServiceAndLeavesTheWinner() {
        Replica r = conflicted();
        String uuid = r.conflicts().get(0).uuid();
        var winner = r.value(uuid);
        java.util.List<String> seenBeforeStored = new java.util.ArrayList<>();
        ConflictSettlement.Outcome outcome = ConflictSettlement.settle(r, RESOLVE, true, b -> {
            // where the merge-service records its intent to announce: the pack is stored, the delta not yet
            b.packs().forEach(p -> assertThat(r.storage().exists(p + ".pack")).isTrue());
            assertThat(r.storage().exists(b.id() + ".delta")).isFalse();
            seenBeforeStored.add(b.id());
        });
        assertThat(outcome.conflictIds()).containsExactly(uuid);
        assertThat(outcome.resolved()).isTrue();
        assertThat(r.conflicts()).isEmpty();
        assertThat(r.value(uuid)).isEqualTo(winner);
        String block = outcome.resolve().orElseThrow().id();
        assertThat(r.anchors()).containsExactly(block);
        assertThat(r.log(block).get(0).block()).isEqualTo(block);
        assertThat(r.log(block).get(0).info().path("author").asText()).isEqualTo(MergeProcessor.AUTHOR);
        assertThat(seenBeforeStored).containsExactly(block);
        assertThat(r.storage().exists(block + ".delta")).isTrue();
    }

    @Test
    void whenTheIntentCannotBeRecordedNoResolveBlockIsStored() {
        Replica r = conflicted();
        int blocks = r.appliedBlocks().size();
        java.util.List<String> deltas = r.storage().list(".delta");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ConflictSettlement.settle(r, RESOLVE, true, b -> {
            throw new IllegalStateException("S3 is down");
        })).hasMessageContaining("S3 is down");
        assertThat(r.storage().list(".delta")).as("no unannounced block is left behind").isEqualTo(deltas);
        assertThat(r.appliedBlocks()).hasSize(blocks);
    }

    @Test
    void aFanOutTargetIsNotResolvedEvenUnderResolveToWinner() {
        Replica r = conflicted();
        ConflictSettlement.Outcome outcome = ConflictSettlement.settle(r, RESOLVE, false, NO_HOOK);
        assertThat(outcome.conflictIds()).hasSize(1);
        assertThat(outcome.resolved()).isFalse();
        assertThat(r.conflicts()).hasSize(1);
    }

    @Test
    void noConflictNoBlock() {
        Replica r = Replica.open(new MemoryStorage());
        r.update("{\"title\":\"alone\"}");
        r.commit("alice", "first");
        ConflictSettlement.Outcome outcome = ConflictSettlement.settle(r, RESOLVE, true, NO_HOOK);
        assertThat(outcome.conflictIds()).isEmpty();
        assertThat(outcome.resolved()).isFalse();
    }
}
