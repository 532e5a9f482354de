package dev.meldtown.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.meldtown.model.DocRef;
import dev.meldtown.model.InvalidNameException;
import dev.meldtown.model.ReplicaRef;
import dev.meldtown.model.Scope;
import org.junit.jupiter.api.Test;

/** The bucket's keys (contracts §2.1) are exactly what the services always wrote, and parse back. */
class BucketLayoutTest {
    private static final String H = "ab" + "0".repeat(62);
    private final ReplicaRef hub = ReplicaRef.of("acme", "todo", "hub");
    private final DocRef doc = DocRef.of("acme", "todo");

    @Test
    void keysOfADocumentAndItsReplicas() {
        assertThat(BucketLayout.doc(doc)).isEqualTo("tenants/acme/docs/todo");
        assertThat(BucketLayout.replicas(doc)).isEqualTo("tenants/acme/docs/todo/replicas/");
        assertThat(BucketLayout.replica(hub)).isEqualTo("tenants/acme/docs/todo/replicas/hub");
        assertThat(BucketLayout.settings(doc)).isEqualTo("tenants/acme/docs/todo/settings.json");
        assertThat(BucketLayout.file(hub, H + ".delta", false)).isEqualTo("tenants/acme/docs/todo/replicas/hub/ab/" + H + ".delta");
        assertThat(BucketLayout.file(hub, H + ".pack", true)).isEqualTo("tenants/acme/docs/todo/replicas/hub/ab/" + H + ".pack.flate");
        assertThat(BucketLayout.checkpoint(hub, "c")).isEqualTo("tenants/acme/docs/todo/checkpoints/hub/c.json");
        assertThat(BucketLayout.latestCheckpoint(hub)).isEqualTo("tenants/acme/docs/todo/checkpoints/hub/latest");
        assertThat(BucketLayout.result(doc, "f00")).isEqualTo("tenants/acme/docs/todo/merges/f00.json");
        assertThat(BucketLayout.outbox(hub, H)).isEqualTo("outbox/acme/todo/hub/" + H + ".json");
        assertThat(BucketLayout.Sync.town("acme", "north")).isEqualTo("sync/tenants/acme/towns/north.json");
        assertThat(BucketLayout.Sync.ledger("acme", "north", "south")).isEqualTo("sync/tenants/acme/ledger/north/south.json");
        assertThat(BucketLayout.Sync.federation("acme", "f")).isEqualTo("sync/tenants/acme/federations/f.json");
        // issue 13: history and kept conflicts live under the town's ledger prefix, so deleting the town deletes them
        assertThat(BucketLayout.Sync.history("acme", "north", "south")).isEqualTo("sync/tenants/acme/ledger/north/south/history/")
                .startsWith(BucketLayout.Sync.ledger("acme", "north"));
        assertThat(BucketLayout.Sync.conflicts("acme", "north", "south")).isEqualTo("sync/tenants/acme/ledger/north/south/conflicts.json");
        assertThat(BucketLayout.Sync.lastRound("acme", "f")).isEqualTo("sync/tenants/acme/last-rounds/f.json");
        assertThatThrownBy(() -> BucketLayout.Sync.history("acme", "north", "../x")).isInstanceOf(InvalidNameException.class);
        assertThat(BucketLayout.Sync.request("acme", "a/b c")).isEqualTo("sync/tenants/acme/requests/a_b_c.json");
        assertThat(BucketLayout.Sync.rounds("acme", "f")).isEqualTo("sync/tenants/acme/rounds/f.json");
        assertThat(BucketLayout.Sync.OUTBOX).as("not under a tenant: the sweeper lists one prefix").isEqualTo("sync/outbox/");
        assertThat(BucketLayout.docs("acme")).isEqualTo("tenants/acme/docs/");
        assertThat(BucketLayout.docOf("acme", "tenants/acme/docs/d1/")).isEqualTo(dev.meldtown.model.DocRef.of("acme", "d1"));
        assertThat(BucketLayout.docOf("acme", "tenants/acme/docs/Not_A_Name/")).isNull();
        assertThat(BucketLayout.Sync.roundClaims("acme", "f")).isEqualTo("sync/tenants/acme/rounds/f/");
        assertThatThrownBy(() -> BucketLayout.Sync.town("acme", "../x")).isInstanceOf(InvalidNameException.class);
    }

    @Test
    void listingsParseBack() {
        String prefix = BucketLayout.replica(hub) + "/";
        assertThat(BucketLayout.keyAt(prefix, BucketLayout.file(hub, H + ".delta", false))).isEqualTo(H + ".delta");
        assertThat(BucketLayout.keyAt(prefix, prefix + "zz/" + H + ".delta")).isNull();
        assertThat(BucketLayout.keyAt(prefix, prefix + "ab/cd/" + H)).isNull();
        assertThat(BucketLayout.keyAt(prefix, prefix + "README")).isNull();
        assertThat(BucketLayout.replicaOf(doc, "tenants/acme/docs/todo/replicas/alice/")).isEqualTo(hub.sibling("alice"));
        assertThat(BucketLayout.replicaOf(doc, "tenants/acme/docs/todo/replicas/Bad_Name/")).isNull();
        assertThat(BucketLayout.outboxEntry(BucketLayout.outbox(hub, H))).isEqualTo(new BucketLayout.OutboxEntry(hub, H));
        assertThat(BucketLayout.outboxEntry("outbox/acme/todo/hub/x.json")).isNull();
        assertThat(BucketLayout.outboxEntry("outbox/acme/todo/" + H + ".json")).isNull();
        assertThat(BucketLayout.Sync.tenantOf("sync/tenants/acme/")).isEqualTo("acme");
        assertThat(BucketLayout.Sync.tenantOf("sync/tenants/A/")).isNull();
    }

    @Test
    void deletionsKeepTombstonesAndPendingEntriesPerScopeAndCoverEveryPrefixOfTheScope() {
        Scope tenant = Scope.tenant("acme");
        Scope document = Scope.of(doc);
        Scope replica = Scope.of(hub);
        assertThat(BucketLayout.Deletions.tombstone(tenant)).isEqualTo("deletions/tombstones/acme.json");
        assertThat(BucketLayout.Deletions.tombstone(document)).isEqualTo("deletions/tombstones/acme/todo.json");
        assertThat(BucketLayout.Deletions.tombstone(replica)).isEqualTo("deletions/tombstones/acme/todo/hub.json");
        for (Scope s : new Scope[] {tenant, document, replica}) {
            assertThat(BucketLayout.Deletions.pendingOf(BucketLayout.Deletions.pending(s))).isEqualTo(s);
        }
        assertThat(BucketLayout.Deletions.pendingOf("deletions/pending/a/b/c/d.json")).isNull();
        assertThat(BucketLayout.Deletions.pendingOf("deletions/pending/A.json")).isNull();
        assertThat(BucketLayout.Deletions.pendingOf("deletions/tombstones/acme.json")).isNull();
        assertThat(BucketLayout.Deletions.prefixes(tenant)).containsExactly("tenants/acme/", "outbox/acme/", "merge/outbox/acme/");
        assertThat(BucketLayout.Deletions.prefixes(document))
                .containsExactly("tenants/acme/docs/todo/", "outbox/acme/todo/", "merge/outbox/acme/todo/");
        // every object of the replica: its files, its checkpoints, its block log and its outbox entries in both outboxes
        assertThat(BucketLayout.Deletions.prefixes(replica)).containsExactly("tenants/acme/docs/todo/replicas/hub/",
                "tenants/acme/docs/todo/checkpoints/hub/", "tenants/acme/docs/todo/blocklog/hub/", "outbox/acme/todo/hub/",
                "merge/outbox/acme/todo/hub/");
        assertThat(BucketLayout.file(hub, H + ".delta", false)).startsWith(BucketLayout.Deletions.prefixes(replica).get(0));
        assertThat(BucketLayout.latestCheckpoint(hub)).startsWith(BucketLayout.Deletions.prefixes(replica).get(1));
        assertThat(BucketLayout.blockLogEntry(hub, 7)).isEqualTo("tenants/acme/docs/todo/blocklog/hub/000000000007")
                .startsWith(BucketLayout.Deletions.prefixes(replica).get(2));
        assertThatThrownBy(() -> BucketLayout.blockLogEntry(hub, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> BucketLayout.blockLogEntry(hub, 1_000_000_000_000L)).isInstanceOf(IllegalArgumentException.class);
        assertThat(BucketLayout.outbox(hub, H)).startsWith(BucketLayout.Deletions.prefixes(replica).get(3));
        assertThat(BucketLayout.outbox(BucketLayout.MERGE_OUTBOX, hub, H)).startsWith(BucketLayout.Deletions.prefixes(replica).get(4));
        assertThat(BucketLayout.result(doc, "f")).startsWith(BucketLayout.Deletions.prefixes(document).get(0));
        assertThat(BucketLayout.settings(doc)).startsWith(BucketLayout.Deletions.prefixes(document).get(0));
        // another document whose name starts with this one's is no part of it
        assertThat(BucketLayout.settings(DocRef.of("acme", "todo2"))).doesNotStartWith(BucketLayout.Deletions.prefixes(document).get(0));
    }
}
