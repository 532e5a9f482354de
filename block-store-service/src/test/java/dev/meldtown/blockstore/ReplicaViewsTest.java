package dev.meldtown.blockstore;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.meldtown.crdt.MemoryStorage;
import dev.meldtown.crdt.Replica;
import dev.meldtown.crdt.Revision;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The API's views of log, conflicts, history and resolve (no Kafka, no S3): the CLI's JSON shapes, key for key. */
class ReplicaViewsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void shapesAreTheClisJsonShapes() throws Exception {
        MemoryStorage shared = new MemoryStorage();
        Replica alice = Replica.open(shared);
        alice.update("{\"a\":1}");
        String first = alice.commit((com.fasterxml.jackson.databind.node.ObjectNode) null).orElseThrow(); // no information
        MemoryStorage other = new MemoryStorage();
        Replica.copyMissing(shared, other);
        Replica bob = Replica.open(other);
        alice.update("{\"a\":2}");
        String second = alice.commit("alice", "two").orElseThrow();
        bob.update("{\"a\":3}");
        bob.commit("bob", null);
        alice.meld(other);

        String log = JSON.writeValueAsString(ReplicaViews.log(alice.log(second)));
        assertThat(log).isEqualTo("[{\"block\":\"" + second + "\",\"marker\":\"A\",\"anchor\":true,\"origin\":false,"
                + "\"information\":{\"author\":\"alice\",\"description\":\"two\"},\"packs\":" + JSON.writeValueAsString(alice.block(second).packs())
                + ",\"parents\":[\"" + first + "\"]},"
                + "{\"block\":\"" + first + "\",\"marker\":\"O\",\"anchor\":false,\"origin\":true,\"packs\":"
                + JSON.writeValueAsString(alice.block(first).packs()) + ",\"parents\":[]}]");

        var conflict = alice.conflicts().get(0);
        String conflicts = JSON.writeValueAsString(ReplicaViews.conflicts(alice.conflicts()));
        assertThat(conflicts).isEqualTo("[{\"object\":\"√\",\"winner\":{\"revision\":\"" + conflict.winner().revision()
                + "\",\"value\":" + conflict.winner().value() + "},\"others\":[{\"revision\":\"" + conflict.others().get(0).revision()
                + "\",\"value\":" + conflict.others().get(0).value() + "}]}]");

        List<Revision> history = alice.history("√");
        assertThat(JSON.writeValueAsString(ReplicaViews.history(history)))
                .isEqualTo(JSON.writeValueAsString(history.stream().map(Revision::toString).toList()));

        String resolved = JSON.writeValueAsString(ReplicaViews.resolutions(alice.resolveAll()));
        assertThat(resolved).isEqualTo("[{\"object\":\"√\",\"winner\":\"" + alice.winner("√") + "\",\"previousWinner\":\""
                + conflict.winner().revision() + "\"}]");
        assertThat(JSON.writeValueAsString(new ReplicaViews.ResolutionView("x", "1-e", null)))
                .isEqualTo("{\"object\":\"x\",\"winner\":\"1-e\",\"previousWinner\":null}");
    }
}
