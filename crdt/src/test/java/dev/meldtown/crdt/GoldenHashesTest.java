package dev.meldtown.crdt;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meldtown.crdt.internal.Revisions;
import dev.meldtown.crdt.internal.DeltaBlocks;
import dev.meldtown.crdt.internal.Pack;
import dev.meldtown.crdt.internal.Hashes;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Hashes published upstream (spec §1.6) and the spec's worked examples (§1.2–§1.4, §3.1). */
class GoldenHashesTest {
    static final String ITEMS_DESCRIPTOR = "^df9a00d3a2c7d498c502519a042141e1da9d681b8fb8f9bdb809ac6b375a6419";
    static final String EMPTY_A = "167c6a7b4f4c1968596dba94b40d4168be7bf402367d78d4f23e7f76e0a7471f";
    static final String ROOT_DIGEST = "2c15b489fbffafac1bf1e166f5668180c6444ebb0f8c36e81a1a66165c8a0248";
    static final String FIRST_PACK = "2e9fa5c238d83bc544e98542516e945db47e8bb1506e51b3ab1899f9f752a179";
    static final String ORIGIN_BLOCK = "be12db727e6cf83bc21790244ea3c378e82ee38380c866f11bb03ebf8a4bc746";
    static final String INSERT_ALICE_01 = "97e948cecf3ab8dea1488522c426bc548d42f470fb181becd9204306476b2a5c";
    static final String BUY_MILK = "97b28653481154b606b06eccf674f294f0d7b096c5b62f99e25384e1776aa4c4";

    private static String digest(String json) {
        return CanonicalJson.sha256(CanonicalJson.parse(json));
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void pathHashes() {
        assertThat(Hashes.sha256Hex("√data♭")).isEqualTo("e13aaf01b21510d633e7e19d055f67c73f93a417d9b5a0099f76513f86dc6b00");
        assertThat("^" + Hashes.sha256Hex("√items♭")).isEqualTo(ITEMS_DESCRIPTOR);
    }

    @Test
    void objectDigests() {
        assertThat(digest("{\"A\":[]}")).isEqualTo(EMPTY_A);
        assertThat(digest("{\"version\":\"1.0.0\",\"software\":\"MeldaDo\",\"items♭\":\"" + ITEMS_DESCRIPTOR + "\"}"))
                .isEqualTo(ROOT_DIGEST);
        assertThat(digest("{\"a\":[[\"i\",0,[\"alice_todo_01\"]]]}")).isEqualTo(INSERT_ALICE_01);
        assertThat(digest("{\"title\":\"Buy milk\",\"description\":\"Go to the grocery store\"}")).isEqualTo(BUY_MILK);
        assertThat(digest("{\"A\":[\"somedata2\",\"otherdata\"]}")).startsWith("bdb1432c");
    }

    @Test
    void genCOriginPackAndBlock() {
        Pack pack = Pack.build(List.of(utf8("{\"A\":[]}"),
                utf8("{\"items♭\":\"" + ITEMS_DESCRIPTOR + "\",\"software\":\"MeldaDo\",\"version\":\"1.0.0\"}")));
        assertThat(pack.hash()).isEqualTo(FIRST_PACK);
        assertThat(pack.digests()).containsExactly(EMPTY_A, ROOT_DIGEST);
        var info = CanonicalJson.nodes().objectNode().put("author", "Alice").put("description", "First commit");
        DeltaBlock b = DeltaBlocks.create(List.of(new DeltaBlock.Change(ITEMS_DESCRIPTOR, null, EMPTY_A),
                new DeltaBlock.Change("√", null, ROOT_DIGEST)), info, List.of(FIRST_PACK), List.of());
        assertThat(new String(b.bytes(), StandardCharsets.UTF_8)).isEqualTo("{\"c\":[[\"" + ITEMS_DESCRIPTOR + "\",\"" + EMPTY_A
                + "\"],[\"√\",\"" + ROOT_DIGEST + "\"]],\"i\":{\"author\":\"Alice\",\"description\":\"First commit\"},\"k\":[\"" + FIRST_PACK + "\"]}");
        assertThat(b.id()).isEqualTo(ORIGIN_BLOCK);
    }

    @Test
    void headReadmeSecondPackAndDelta() {
        Pack pack = Pack.build(List.of(utf8("{\"a\":[[\"i\",0,[\"alice_todo_01\"]]]}"),
                utf8("{\"description\":\"Go to the grocery store\",\"title\":\"Buy milk\"}")));
        assertThat(pack.hash()).isEqualTo("ec6c2a01d0f3c76af042cab5a83b0f81fc84901da5b5f03776713aff881ee3fb");
        // The full gen E delta of the HEAD README (second run): its hash is the published 2-ff474331…9d4.
        String delta = "{\"c\":[[\"^√@items♭\",\"1-" + EMPTY_A + "\",\"" + INSERT_ALICE_01 + "\"],[\"alice_todo_01\",\"" + BUY_MILK
                + "\"]],\"i\":{\"author\":\"Alice\",\"description\":\"Add buy milk\"},\"k\":[\"" + pack.hash()
                + "\"],\"p\":[\"1-86af1e7ca997fce221c1be4879c6aa6def05292fee2a68ebec2968b34fc68f63\"]}";
        String id = Hashes.sha256Hex(delta);
        assertThat(id).startsWith("ff474331").endsWith("9d4");
        // and our writer reproduces it byte for byte from the parsed form
        DeltaBlock parsed = DeltaBlock.parse(id, utf8(delta));
        DeltaBlock rebuilt = DeltaBlocks.create(parsed.changes(), parsed.info(), parsed.packs(), parsed.parents());
        assertThat(rebuilt.id()).isEqualTo(id);
    }

    @Test
    void toolsReadmeGenABlock() {
        String root = "{\"items♭\":[],\"software\":\"MeldaDo\",\"version\":\"1.0.0\"}";
        assertThat(digest(root)).isEqualTo("3e5ddb78190962dc60a33d45167c57d210dac1b3678d8e3fa8bcb1d69eb6fbee");
        Pack pack = Pack.build(List.of(utf8(root)));
        assertThat(pack.hash()).startsWith("b4e50e44").endsWith("cb3");
        var info = CanonicalJson.nodes().objectNode().put("author", "Alice").put("description", "First commit");
        DeltaBlock b = DeltaBlocks.create(List.of(new DeltaBlock.Change("√", null, digest(root))), info, List.of(pack.hash()), List.of());
        assertThat(b.id()).startsWith("49ccea4d").endsWith("a62");
    }

    @Test
    void revisionTails() {
        Revision r1 = Revision.parse("1-e8e7db1ed2e2e9b7360c9216b8f21353e37ec0365c3d95c51a1302759da9e196");
        assertThat(Revisions.childOf(r1, "d").toString()).isEqualTo("2-d_e5d1d20");
        Revision r2 = Revision.parse("2-b7408d0c82205dd82714dff017f65e407e2628106aff3529c44ec9cd4cedbcbe_1bcf3be");
        assertThat(Revisions.childOf(r2, "8f14").tail()).isEqualTo("6258b20");
        // gen C seed: the descriptor's third revisions of Bob and Alice
        Revision d1 = Revisions.creation(EMPTY_A);
        Revision d2 = Revisions.childOf(d1, INSERT_ALICE_01);
        Revision bob = Revisions.childOf(d2, digest("{\"a\":[[\"i\",1,[\"bob_todo_01\",\"bob_todo_02\"]]]}"));
        Revision alice = Revisions.childOf(d2, digest("{\"a\":[[\"d\",1,0],[\"i\",0,[\"alice_todo_02\"]]]}"));
        assertThat(bob.toString()).startsWith("3-4045").endsWith("_dd8b9d1");
        assertThat(alice.toString()).startsWith("3-dd6f").endsWith("_dd8b9d1");
        assertThat(alice).isGreaterThan(bob);
    }

    @Test
    void packIndexOffsetsStartAtOne() {
        Pack pack = Pack.build(List.of(utf8("{\"x\":1}"), utf8("{\"y\":2}")));
        String idx = new String(pack.indexBytes(), StandardCharsets.UTF_8);
        assertThat(idx).contains("[1,7]").contains("[9,7]");
        Pack back = Pack.parse(pack.hash(), pack.bytes(), pack.indexBytes());
        assertThat(back.digests()).containsExactlyInAnyOrderElementsOf(pack.digests());
    }
}
