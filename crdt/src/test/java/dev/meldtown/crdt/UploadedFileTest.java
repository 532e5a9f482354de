package dev.meldtown.crdt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.meldtown.crdt.InvalidFileException.Reason;
import dev.meldtown.crdt.internal.Hashes;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The one entry point that validates a file received from elsewhere (the block-store's uploads). */
class UploadedFileTest {
    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static void refused(String name, byte[] bytes, Reason reason, String message) {
        assertThatThrownBy(() -> UploadedFile.validate(name, bytes)).as(name)
                .isInstanceOfSatisfying(InvalidFileException.class, e -> assertThat(e.reason()).isEqualTo(reason))
                .isInstanceOf(CorruptDataException.class)
                .hasMessageContaining(message);
    }

    @Test
    void whatAReplicaWritesIsValidAndParsed() {
        MemoryStorage s = new MemoryStorage();
        Replica r = Replica.open(s);
        r.update("{\"items♭\":[{\"_id\":\"a\",\"t\":\"" + "x".repeat(5000) + "\"}]}"); // large: the pack gets an index
        String block = r.commit("alice", "first").orElseThrow();
        List<String> keys = s.list("").stream().sorted().toList();
        assertThat(keys).anyMatch(k -> k.endsWith(".index"));
        for (String key : keys) {
            UploadedFile f = UploadedFile.validate(key, s.read(key));
            assertThat(f.name()).isEqualTo(key);
            if (f instanceof UploadedFile.DeltaFile d) {
                assertThat(d.block().id()).isEqualTo(block);
                assertThat(d.block().packs()).hasSize(1);
            } else if (f instanceof UploadedFile.PackFile p) {
                assertThat(p.objects()).hasSize(3); // root, item, descriptor
            } else {
                assertThat(f).isInstanceOf(UploadedFile.IndexFile.class);
                assertThat(key).endsWith(".index");
            }
        }
    }

    @Test
    void eachKindOfBadFileIsRefusedWithItsReason() {
        byte[] pack = utf8("[{\"a\":1}]");
        String ph = Hashes.sha256Hex(pack);
        refused("x.pack", pack, Reason.INVALID_NAME, "not a Melda file name");
        refused(ph.toUpperCase() + ".pack", pack, Reason.INVALID_NAME, "not a Melda file name");
        refused(ph + ".json", pack, Reason.INVALID_NAME, "not a Melda file name");
        refused("0".repeat(64) + ".pack", pack, Reason.HASH_MISMATCH, "the body hashes to " + ph + ", not to its name " + "0".repeat(64));
        byte[] latin1 = {'[', '{', '"', 'a', '"', ':', '"', (byte) 0xE9, '"', '}', ']'};
        refused(Hashes.sha256Hex(latin1) + ".pack", latin1, Reason.INVALID_UTF8, "is not valid UTF-8");
        byte[] empty = utf8("[]");
        refused(Hashes.sha256Hex(empty) + ".pack", empty, Reason.INVALID_PACK, "holds no objects");
        for (String delta : List.of("{\"c\":[]}", "{\"c\":[[\"o\",\"" + "ab".repeat(32) + "\"]],\"x\":1}", "{\"c\":[[\"o\",\"d\"]],\"p\":[\"nothex\"]}",
                "not json", "{\"c\":[[1,2]]}")) {
            byte[] b = utf8(delta);
            refused(Hashes.sha256Hex(b) + ".delta", b, Reason.INVALID_BLOCK, "");
        }
        refused("1".repeat(64) + ".index", utf8("{\"" + "ab".repeat(32) + "\":[0]}"), Reason.INVALID_INDEX, "an index is an object mapping");
        refused("1".repeat(64) + ".index", utf8("[1"), Reason.INVALID_INDEX, "invalid JSON");
    }

    @Test
    void anIndexIsNotNamedByItsOwnHashAndADeltaMayNameMissingPacks() {
        UploadedFile index = UploadedFile.validate("1".repeat(64) + ".index", utf8("{\"" + "ab".repeat(32) + "\":[1,5]}"));
        assertThat(index).isInstanceOf(UploadedFile.IndexFile.class);
        byte[] delta = utf8("{\"c\":[[\"o\",\"" + "ab".repeat(32) + "\"]],\"k\":[\"" + "cd".repeat(32) + "\"]}");
        UploadedFile.DeltaFile d = (UploadedFile.DeltaFile) UploadedFile.validate(Hashes.sha256Hex(delta) + ".delta", delta);
        assertThat(d.block().packs()).containsExactly("cd".repeat(32)); // whether it is stored is the caller's check
        assertThat(d.block().changes()).containsExactly(new DeltaBlock.Change("o", null, "ab".repeat(32)));
    }
}
