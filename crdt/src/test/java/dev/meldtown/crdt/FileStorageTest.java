package dev.meldtown.crdt;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileStorageTest extends ByteStorageConformanceTest {
    @TempDir
    Path dir;

    @Override
    protected ReplicaStorage newStorage() throws Exception {
        return new FileStorage(Files.createTempDirectory(dir, "replica"));
    }

    @Override
    protected ReplicaStorage reopen(ReplicaStorage s) {
        return new FileStorage(((FileStorage) s).root());
    }

    @Test
    void layoutIsTwoCharacterDirectories() {
        storage.write(H1 + ".pack", utf8("x"));
        Path root = ((FileStorage) storage).root();
        assertThat(root.resolve("a1").resolve(H1 + ".pack")).hasContent("x");
        try (var s = Files.list(root.resolve("a1"))) {
            assertThat(s).hasSize(1); // the temp file is gone
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void foreignFilesAreIgnored() throws Exception {
        Path root = ((FileStorage) storage).root();
        storage.write(H1 + ".delta", utf8("d"));
        Files.writeString(root.resolve(".DS_Store"), "junk");
        Files.writeString(root.resolve("README.delta"), "junk");
        Files.createDirectories(root.resolve("a1"));
        Files.writeString(root.resolve("a1").resolve("." + H1 + ".delta.123.tmp"), "partial");
        Files.createDirectories(root.resolve("notes"));
        Files.writeString(root.resolve("notes").resolve("x.delta"), "junk");
        assertThat(storage.list(".delta")).containsExactly(H1);
    }

    @Test
    void urlOpensSameLayout() {
        ReplicaStorage viaUrl = StorageUrls.open("file://" + ((FileStorage) storage).root());
        viaUrl.write(H2 + ".pack", utf8("p"));
        assertThat(storage.read(H2 + ".pack")).isEqualTo(utf8("p"));
    }
}
