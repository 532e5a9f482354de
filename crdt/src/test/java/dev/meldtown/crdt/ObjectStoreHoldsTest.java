package dev.meldtown.crdt;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meldtown.crdt.internal.Hashes;
import dev.meldtown.crdt.internal.ObjectStore;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Staging recognises an unchanged object by comparing its bytes with the winner's instead of hashing them. That is
 * only sound for bytes known to hash to their digest: a pack's (hashed as it loads) or a staged object's, never a
 * checkpoint's (not hashed when it loads).
 */
class ObjectStoreHoldsTest {
    private static final byte[] A = "{\"a\":1}".getBytes(StandardCharsets.UTF_8);
    private static final byte[] B = "{\"a\":2}".getBytes(StandardCharsets.UTF_8);

    @Test
    void stagedBytesAreHeldUnderTheirDigest() {
        ObjectStore s = new ObjectStore(null);
        String d = Hashes.sha256Hex(A);
        s.stage(d, A);
        assertThat(s.holds(d, A.clone())).isTrue();
        assertThat(s.holds(d, B)).isFalse();
        assertThat(s.holds(Hashes.sha256Hex(B), B)).isFalse();
    }

    @Test
    void aCheckpointsBytesNeverMatch() {
        ObjectStore s = new ObjectStore(null);
        String d = Hashes.sha256Hex(A);
        s.putAll(Map.of(d, B)); // a checkpoint that claims B is A's object
        assertThat(s.holds(d, B)).isFalse();
        s.putAll(Map.of(Hashes.sha256Hex(B), B)); // even a true claim is not trusted unhashed
        assertThat(s.holds(Hashes.sha256Hex(B), B)).isFalse();
    }

    @Test
    void anEditOfOneObjectStagesOnlyThatObject() {
        MemoryStorage m = new MemoryStorage();
        Replica r = Replica.open(m);
        StringBuilder items = new StringBuilder();
        for (int i = 0; i < 50; i++) {
            items.append(i == 0 ? "" : ",").append("{\"_id\":\"i").append(i).append("\",\"t\":\"x").append(i).append("\"}");
        }
        r.update("{\"items♭\":[" + items + "]}");
        r.commit((com.fasterxml.jackson.databind.node.ObjectNode) null);
        Replica again = Replica.open(m); // objects now come from the stored pack
        again.update("{\"items♭\":[" + items.toString().replace("\"x7\"", "\"changed\"") + "]}");
        String block = again.commit((com.fasterxml.jackson.databind.node.ObjectNode) null).orElseThrow();
        DeltaBlock b = DeltaBlock.parse(block, m.read(block + ".delta"));
        assertThat(b.changes()).extracting(DeltaBlock.Change::uuid).containsExactly("i7");
    }
}
