package dev.meldtown.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.meldtown.model.DocRef;
import dev.meldtown.model.InvalidNameException;
import dev.meldtown.model.ReplicaRef;
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
}
