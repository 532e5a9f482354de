package dev.meldtown.crdt;

import static dev.meldtown.crdt.GoldenHashesTest.ITEMS_DESCRIPTOR;
import static dev.meldtown.crdt.TestDocs.canon;
import static dev.meldtown.crdt.TestDocs.obj;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.meldtown.crdt.internal.DeltaBlocks;
import dev.meldtown.crdt.internal.Pack;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Melda's defects (spec §8), each with its reproducer, fixed here. */
class DefectRegressionTest {
    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Writes a hand-made block with one pack holding {@code objects}; returns the block id. */
    private static String writeBlock(ReplicaStorage s, List<DeltaBlock.Change> changes, List<String> parents, String... objects) {
        List<byte[]> objs = new java.util.ArrayList<>();
        for (String o : objects) {
            objs.add(utf8(o));
        }
        Pack p = Pack.build(objs);
        s.write(p.hash() + ".pack", p.bytes());
        DeltaBlock b = DeltaBlocks.create(changes, null, List.of(p.hash()), parents);
        s.write(b.key(), b.bytes());
        return b.id();
    }

    private static String digest(String json) {
        return CanonicalJson.sha256(CanonicalJson.parse(json));
    }

    @Test
    void defect4_bracesInsideStringsDoNotBreakPackScanning() {
        // The spec's reproducer: Melda's brace counter indexes no object at all here.
        Pack p = Pack.parse(null, utf8("[{\"t\":\"a{b\"},{\"x\":1}]"), null);
        assertThat(p.digests()).containsExactly(digest("{\"t\":\"a{b\"}"), digest("{\"x\":1}"));
        assertThat(p.naiveScanAgrees()).isFalse();
        assertThat(p.needsIndex()).isTrue();
        Pack q = Pack.parse(null, utf8("[{\"t\":\"a\\\"}\"},{\"x\":\"]\"}]"), null); // escaped quote, bracket in string
        assertThat(q.digests()).hasSize(2);
    }

    /**
     * {@code naiveScanAgrees} answers from the brace counter's positions when they are our objects' (no hashing), and
     * otherwise from its spans' hashes, as Melda's lookup does: the same answer as hashing every span, on packs with
     * balanced, unbalanced and escaped braces in strings.
     */
    @Test
    void naiveScanAgreesAnswersAsHashingEverySpanDoes() {
        List<List<String>> packs = List.of(
                List.of("{\"x\":1}", "{\"y\":{\"z\":2}}"),
                List.of("{\"s\":\"{x}\"}", "{\"x\":1}"),
                List.of("{\"s\":\"}{}\"}", "{\"x\":1}"),
                List.of("{\"a\":\"{\"}", "{\"b\":\"}\"}", "{\"x\":1}"),
                List.of("{\"t\":\"a{b\"}", "{\"x\":1}"),
                List.of("{\"q\":\"\\\"}\"}", "{\"x\":\"]\"}"));
        for (List<String> objects : packs) {
            Pack p = Pack.build(objects.stream().map(DefectRegressionTest::utf8).toList());
            java.util.Set<String> spans = new java.util.HashSet<>();
            byte[] b = p.bytes();
            for (int i = 0, depth = 0, start = -1; i < b.length; i++) {
                if (b[i] == '{' && depth++ == 0) {
                    start = i;
                } else if (b[i] == '}' && --depth == 0 && start >= 0) {
                    spans.add(dev.meldtown.crdt.internal.Hashes.sha256Hex(java.util.Arrays.copyOfRange(b, start, i + 1)));
                    start = -1;
                }
            }
            assertThat(p.naiveScanAgrees()).as(objects.toString()).isEqualTo(spans.containsAll(p.digests()));
        }
        assertThat(Pack.build(List.of(utf8("{\"s\":\"{x}\"}"), utf8("{\"x\":1}"))).naiveScanAgrees()).isTrue();
        assertThat(Pack.build(List.of(utf8("{\"s\":\"}{}\"}"), utf8("{\"x\":1}"))).naiveScanAgrees()).isFalse();
    }

    @Test
    void defect4_packWithBraceStringsAlsoGetsAnIndexForLibmeldaTools() {
        MemoryStorage s = new MemoryStorage();
        Replica r = Replica.open(s);
        r.update(obj("{'note':'use {curly} braces','items\u266D':[{'_id':'x','t':'}{'}]}"));
        String block = r.commit((ObjectNode) null).orElseThrow();
        String pack = r.block(block).packs().get(0);
        assertThat(s.list(".index")).containsExactly(pack);
        Pack fromIndex = Pack.parse(pack, s.read(pack + ".pack"), s.read(pack + ".index"));
        assertThat(fromIndex.digests()).hasSize(3);
        assertThat(canon(Replica.open(s).read())).isEqualTo(canon(r.read()));
        // a plain pack gets no index (Melda's size rule keeps small packs unindexed)
        MemoryStorage plain = new MemoryStorage();
        Replica r2 = Replica.open(plain);
        r2.update(obj("{'a':'b'}"));
        r2.commit((ObjectNode) null);
        assertThat(plain.list(".index")).isEmpty();
    }

    @Test
    void defect1_unchangedFlatArrayIsNotAFailure() {
        Replica r = Replica.open(new MemoryStorage());
        ObjectNode doc = obj("{'items\u266D':[{'_id':'a'},{'_id':'b'}]}");
        r.update(doc);
        r.commit((ObjectNode) null).orElseThrow();
        assertThat(r.update(doc.deepCopy())).isFalse();
        assertThat(r.commit((ObjectNode) null)).isEmpty();
        r.update(obj("{'items\u266D':[{'_id':'a','v':1},{'_id':'b'}]}")); // item changes, order does not
        r.commit((ObjectNode) null).orElseThrow();
        assertThat(r.history(ITEMS_DESCRIPTOR)).hasSize(1); // the unchanged order adds no descriptor revision
        assertThat(r.history("a")).hasSize(2);
    }

    @Test
    void defect2_commitAfterMeldOfDivergentReplicasDoesNotHang() {
        Replica[] pair = ReplicaScenarioTest.diverged(new MemoryStorage(), new MemoryStorage());
        Replica alice = pair[0];
        assertThat(alice.conflicts()).hasSize(1);
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
            ObjectNode doc = alice.read();
            doc.put("version", "1.0.1");
            alice.update(doc);
            alice.commit("Alice", "after meld").orElseThrow();
        });
        assertThat(alice.conflicts()).isEmpty(); // descriptor auto-resolved to its merged order
        assertThat(ReplicaScenarioTest.itemIds(alice.read())).containsExactly("bob_todo_01", "bob_todo_02", "alice_todo_02");
        assertThat(alice.anchors()).hasSize(1);
    }

    @Test
    void defect3_resolveWhenMergedOrderEqualsWinnerOrder() {
        MemoryStorage sa = new MemoryStorage();
        MemoryStorage sb = new MemoryStorage();
        Replica a = Replica.open(sa);
        a.update(obj("{'items\u266D':[{'_id':'x'}]}"));
        a.commit((ObjectNode) null);
        Replica b = Replica.open(sb);
        b.meld(sa);
        b.update(obj("{'items\u266D':[]}")); // b: [] (index 2)
        b.commit((ObjectNode) null);
        a.update(obj("{'items\u266D':[{'_id':'x'},{'_id':'y'}]}")); // a: [x,y] (index 2) then [x,y,z] (index 3)
        a.commit((ObjectNode) null);
        a.update(obj("{'items\u266D':[{'_id':'x'},{'_id':'y'},{'_id':'z'}]}"));
        a.commit((ObjectNode) null);
        a.meld(sb);
        assertThat(a.conflicts()).extracting(Conflict::uuid).contains(ITEMS_DESCRIPTOR);
        List<Resolution> res = a.resolveAll();
        assertThat(res).isNotEmpty();
        a.commit((ObjectNode) null).orElseThrow();
        assertThat(a.conflicts()).isEmpty();
        assertThat(a.winner(ITEMS_DESCRIPTOR).index()).isEqualTo(3); // no new content revision, only tombstones
    }

    @Test
    void defect5_idLessObjectsInFlatArrayAreRejectedWithThePath() {
        Replica r = Replica.open(new MemoryStorage());
        assertThatThrownBy(() -> r.update(obj("{'items\u266D':[{'t':'a'},{'t':'b'}]}")))
                .isInstanceOf(InvalidDocumentException.class)
                .hasMessageContaining("\u221A/items\u266D")
                .hasMessageContaining("_id");
        assertThat(r.hasStagedChanges()).isFalse();
        // a single id-less element keeps Melda's id and round-trips
        r.update(obj("{'items\u266D':[{'t':'a'}]}"));
        r.commit((ObjectNode) null);
        assertThat(r.read().get("items\u266D").get(0).get("t").textValue()).isEqualTo("a");
    }

    @Test
    void defect14_corruptPatchIsATypedError() {
        MemoryStorage s = new MemoryStorage();
        String root = "{\"items\u266D\":\"" + ITEMS_DESCRIPTOR + "\"}";
        String b1 = writeBlock(s, List.of(new DeltaBlock.Change(ITEMS_DESCRIPTOR, null, digest("{\"A\":[\"x\"]}")),
                new DeltaBlock.Change("\u221A", null, digest(root))), List.of(), "{\"A\":[\"x\"]}", root);
        writeBlock(s, List.of(new DeltaBlock.Change(ITEMS_DESCRIPTOR, "1-" + digest("{\"A\":[\"x\"]}"), digest("{\"a\":[[\"d\",5,0]]}"))),
                List.of(b1), "{\"a\":[[\"d\",5,0]]}");
        Replica r = Replica.open(s);
        assertThatThrownBy(r::read).isInstanceOf(CorruptDataException.class).hasMessageContaining("out of range");
        assertThat(canon(r.readAt(b1))).isEqualTo("{\"_id\":\"\u221A\",\"items\u266D\":[]}");
    }

    @Test
    void defect8_missingDescriptorIsATypedErrorAndDeletedOneReadsEmpty() {
        MemoryStorage s = new MemoryStorage();
        String root = "{\"items\u266D\":\"^0000\"}";
        writeBlock(s, List.of(new DeltaBlock.Change("\u221A", null, digest(root))), List.of(), root);
        Replica r = Replica.open(s);
        assertThatThrownBy(r::read).isInstanceOf(CorruptDataException.class).hasMessageContaining("^0000");

        MemoryStorage s2 = new MemoryStorage();
        String root2 = "{\"items\u266D\":\"" + ITEMS_DESCRIPTOR + "\"}";
        writeBlock(s2, List.of(new DeltaBlock.Change(ITEMS_DESCRIPTOR, null, digest("{\"A\":[]}")),
                new DeltaBlock.Change(ITEMS_DESCRIPTOR, "1-" + digest("{\"A\":[]}"), "d"),
                new DeltaBlock.Change("\u221A", null, digest(root2))), List.of(), "{\"A\":[]}", root2);
        assertThat(canon(Replica.open(s2).read())).isEqualTo("{\"_id\":\"\u221A\",\"items\u266D\":[]}");

        // our next update re-creates the deleted descriptor as {"A":[]} (a child of the delete), so libmelda-tools,
        // whose read panics with unknown_descriptor_object on such a replica, can read it again (found by the CLI's
        // randomized differential test, where the state arose from a delete of a parent concurrent with its edit)
        Replica r2 = Replica.open(s2);
        r2.update(obj("{'items\u266D':[],'x':1}"));
        r2.commit((ObjectNode) null).orElseThrow();
        Replica again = Replica.open(s2);
        assertThat(again.winner(ITEMS_DESCRIPTOR).isDeleted()).isFalse();
        assertThat(again.value(ITEMS_DESCRIPTOR)).isEqualTo(CanonicalJson.parse("{\"A\":[]}"));
        assertThat(again.history(ITEMS_DESCRIPTOR)).hasSize(3);
        assertThat(canon(again.read())).isEqualTo("{\"_id\":\"\u221A\",\"items\u266D\":[],\"x\":1}");
        // and an unchanged update afterwards is no change at all
        again.update(obj("{'items\u266D':[],'x':1}"));
        assertThat(again.hasStagedChanges()).isFalse();
    }

    /**
     * Found by the CLI's randomized differential test (not in spec §8): libmelda-tools 0.2.0 resolves a conflict
     * whose chosen leaf is a delete by storing that leaf's displayed value {@code {"_deleted":true}} as a new live
     * revision (3-8c900473…), so the deleted item reappears in the document as {@code {"_deleted":true,"_id":"b"}}.
     * We keep the object deleted; a replica resolved by libmelda-tools still reads as libmelda-tools reads it.
     */
    @Test
    void resolveTowardsADeletedLeafKeepsTheObjectDeleted() {
        MemoryStorage s1 = new MemoryStorage();
        MemoryStorage s2 = new MemoryStorage();
        Replica r1 = Replica.open(s1);
        r1.update(obj("{'l\u266D':[{'_id':'a'},{'_id':'b','v':1}]}"));
        r1.commit((ObjectNode) null);
        Replica r2 = Replica.open(s2);
        r2.meld(s1);
        r1.update(obj("{'l\u266D':[{'_id':'a'},{'_id':'b','v':2},{'_id':'c'}]}"));
        r1.commit((ObjectNode) null);
        r2.update(obj("{'l\u266D':[{'_id':'a'}]}"));
        r2.commit((ObjectNode) null);
        r1.meld(s2);
        // the delete wins ("2-d_…" > "2-2b54…"); the order keeps b, the read drops it
        assertThat(r1.winner("b").toString()).isEqualTo("2-d_3f5da8e");
        assertThat(canon(r1.read())).isEqualTo(canon(obj("{'_id':'\u221A','l\u266D':[{'_id':'a'},{'_id':'c'}]}")));
        Resolution res = r1.resolve("b", "2-d_3f5da8e");
        assertThat(res.winner().toString()).isEqualTo("2-d_3f5da8e"); // libmelda-tools: 3-8c90047332b8…_8ca4173
        r1.resolveAll();
        r1.commit((ObjectNode) null);
        assertThat(r1.conflicts()).isEmpty();
        assertThat(canon(Replica.open(s1).read())).isEqualTo(canon(obj("{'_id':'\u221A','l\u266D':[{'_id':'a'},{'_id':'c'}]}")));
        // what libmelda-tools writes instead (a live {"_deleted":true}) reads back as it does there
        String junk = CanonicalJson.sha256(CanonicalJson.parse("{\"_deleted\":true}"));
        assertThat(junk).startsWith("8c90047332b8");
    }

    @Test
    void invalidBlocksAreSkippedReportedAndRetried() {
        MemoryStorage s = new MemoryStorage();
        Replica good = Replica.open(s);
        good.update(obj("{'a':1}"));
        String b1 = good.commit((ObjectNode) null).orElseThrow();
        s.write("ff" + "0".repeat(62) + ".delta", utf8("{\"c\":[]}")); // hash mismatch
        // a block whose pack is not there yet
        MemoryStorage other = new MemoryStorage();
        Replica o = Replica.open(other);
        o.meld(s);
        o.update(obj("{'a':2}"));
        String b2 = o.commit((ObjectNode) null).orElseThrow();
        s.write(b2 + ".delta", other.read(b2 + ".delta"));
        Replica r = Replica.open(s);
        assertThat(r.anchors()).containsExactly(b1);
        assertThat(r.invalidBlocks()).containsKeys("ff" + "0".repeat(62), b2);
        String pack = o.block(b2).packs().get(0);
        s.write(pack + ".pack", other.read(pack + ".pack"));
        RefreshReport rep = r.refresh();
        assertThat(rep.applied()).containsExactly(b2);
        assertThat(rep.invalid()).containsOnlyKeys("ff" + "0".repeat(62));
        assertThat(r.read().get("a").intValue()).isEqualTo(2);
    }
}
