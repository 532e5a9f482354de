package dev.meldtown.blockstore.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meldtown.crdt.MemoryStorage;
import dev.meldtown.crdt.Replica;
import dev.meldtown.model.ReplicaRef;
import dev.meldtown.service.BlockLog;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The cached read states, with no service around them: a deleted scope's states go (they were kept under other keys). */
class ReadStatesTest {

    private static ReadStates states() {
        ReadStates s = new ReadStates();
        s.cacheSize = 16;
        s.idle = Duration.ofHours(1);
        s.registry = new SimpleMeterRegistry();
        s.blockLog = new BlockLog(null, "unused"); // a replay with every block applied places its cursor without S3
        s.init();
        return s;
    }

    private static Replica replica() {
        Replica r = Replica.open(new MemoryStorage());
        r.update("{\"title\":\"t\"}");
        r.commit("test", null);
        return r;
    }

    @Test
    void forgettingADocumentOrAReplicaDropsExactlyTheStatesUnderIt() {
        ReadStates s = states();
        ReplicaRef a = ReplicaRef.of("acme", "doc", "a");
        ReplicaRef b = ReplicaRef.of("acme", "doc", "b");
        ReplicaRef other = ReplicaRef.of("acme", "doc2", "a");
        for (ReplicaRef ref : new ReplicaRef[] {a, b, other}) {
            s.adopt(ref, replica(), 1);
            assertThat(s.holds(ref)).isTrue();
        }
        s.forget("acme/doc/");
        assertThat(s.holds(a)).isFalse();
        assertThat(s.holds(b)).isFalse();
        assertThat(s.holds(other)).as("another document").isTrue();
        s.forget("acme/doc2/a/");
        assertThat(s.holds(other)).isFalse();
    }
}
