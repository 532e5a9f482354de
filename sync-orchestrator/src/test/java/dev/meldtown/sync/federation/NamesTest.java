package dev.meldtown.sync.federation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Names, URLs and refs are validated before they get anywhere near SQL. */
class NamesTest {
    @Test
    void peerNamesUrlsAndUsersAreStrict() {
        assertThat(new Peer("south-2", "http://127.0.0.1:50051/beads", "fed").name()).isEqualTo("south-2");
        assertThat(new Peer("hub", "file:///var/lib/dolt/hub", null).user()).isNull();
        for (String bad : List.of("", "South", "-x", "a_b", "a'b", "x".repeat(64), "a/b")) {
            assertThatThrownBy(() -> new Peer(bad, "http://h:1/db", null)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
        for (String bad : List.of("h:1/db", "ftp://h/db", "http://h:1/db'; DROP TABLE issues; --", "http://h:1/a/b",
                "file:///x/../etc", "git+ssh://h/db")) {
            assertThatThrownBy(() -> new Peer("p", bad, null)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
        assertThatThrownBy(() -> new Peer("p", "http://h:1/db", "fed'--")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void branchesAndStrategiesAreStrict() {
        assertThat(new TownConnection("127.0.0.1", 3306, "beads", "u", "p", "feature/x-1").branch()).isEqualTo("feature/x-1");
        for (String bad : List.of("main..x", "-f", "a b", "x.lock", "a//b", "main'")) {
            assertThatThrownBy(() -> new TownConnection("127.0.0.1", 3306, "beads", "u", "p", bad)).as(bad)
                    .isInstanceOf(IllegalArgumentException.class);
        }
        assertThat(SyncStrategy.parse("theirs")).isEqualTo(SyncStrategy.THEIRS);
        assertThat(SyncStrategy.parse(null)).isEqualTo(SyncStrategy.MANUAL);
        assertThatThrownBy(() -> SyncStrategy.parse("lww")).isInstanceOf(IllegalArgumentException.class);
        assertThat(new TownConnection("127.0.0.1", 3306, "beads", "u", "secret", "main").toString()).doesNotContain("secret");
    }

    @Test
    void topologiesPlanRounds() {
        var towns = List.of("a", "b", "c");
        assertThat(Topology.MESH.round(towns)).hasSize(6);
        assertThat(Topology.parse("hub:b").round(towns)).containsExactly(
                new Topology.Pair("a", "b"), new Topology.Pair("c", "b"), new Topology.Pair("a", "b"));
        assertThatThrownBy(() -> Topology.parse("star")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Topology.hub("z").round(towns)).isInstanceOf(IllegalArgumentException.class);
    }
}
