package dev.meldtown.crdt;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.Inflater;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FlateStorageTest extends ByteStorageConformanceTest {
    @TempDir
    Path dir;

    @Override
    protected ReplicaStorage newStorage() throws Exception {
        return new FlateStorage(new FileStorage(Files.createTempDirectory(dir, "replica")));
    }

    @Override
    protected ReplicaStorage reopen(ReplicaStorage s) {
        return StorageUrls.open("file+flate://" + ((FileStorage) ((FlateStorage) s).inner()).root());
    }

    @Test
    void storesRawDeflateUnderFlateSuffix() throws Exception {
        byte[] content = utf8("[{\"a\":\"" + "x".repeat(1000) + "\"}]");
        storage.write(H1 + ".pack", content);
        Path root = ((FileStorage) ((FlateStorage) storage).inner()).root();
        Path file = root.resolve("a1").resolve(H1 + ".pack.flate");
        byte[] z = Files.readAllBytes(file);
        assertThat(z.length).isLessThan(content.length);
        Inflater inf = new Inflater(true); // raw DEFLATE, no zlib header
        inf.setInput(z);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[4096];
        while (!inf.finished()) {
            int n = inf.inflate(buf);
            if (n == 0 && inf.needsInput()) {
                break;
            }
            out.write(buf, 0, n);
        }
        assertThat(out.toByteArray()).isEqualTo(content);
        // plain and compressed replicas do not see each other's files
        assertThat(new FileStorage(root).list(".pack")).isEmpty();
        assertThat(new FileStorage(root).list(".pack.flate")).containsExactly(H1);
    }
}
