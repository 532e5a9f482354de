package dev.meldtown.crdt;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Regression: loading a replica walked its parent chain recursively, so a long linear history overflowed the
 * thread's stack (seen at 10,000 blocks in the merge-service benchmark). Loading now uses an explicit stack.
 */
class DeepHistoryTest {
    @Test
    void aLongLinearHistoryLoadsOnASmallStack() throws Exception {
        MemoryStorage storage = new MemoryStorage();
        Replica writer = Replica.open(storage);
        int commits = 3000;
        for (int i = 0; i < commits; i++) {
            writer.update("{\"n\":" + i + "}");
            writer.commit("t", null);
        }
        AtomicReference<Object> outcome = new AtomicReference<>();
        // 256 KiB is far less than the recursion needed for 3,000 nested parent checks.
        Thread loader = new Thread(null, () -> {
            try {
                Replica r = Replica.open(storage);
                outcome.set(r);
            } catch (Throwable t) {
                outcome.set(t);
            }
        }, "small-stack-loader", 256 * 1024);
        loader.start();
        loader.join();
        assertThat(outcome.get()).isInstanceOf(Replica.class);
        Replica loaded = (Replica) outcome.get();
        assertThat(loaded.appliedBlocks()).hasSize(commits);
        assertThat(loaded.invalidBlocks()).isEmpty();
        assertThat(loaded.read().get("n").asInt()).isEqualTo(commits - 1);
    }
}
