package dev.meldtown.crdt;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The shared contract plus what byte-transparent backends (memory, file, flate, S3) also promise: arbitrary
 * bytes under any well-formed key, empty files, and keys grouped under one two-character directory.
 */
public abstract class ByteStorageConformanceTest extends StorageConformanceTest {
    @Test
    public void binaryAndEmptyContent() {
        byte[] bin = new byte[70_000];
        new Random(1).nextBytes(bin);
        storage.write(H1 + ".pack", bin);
        storage.write(H2 + ".pack", new byte[0]);
        assertThat(storage.read(H1 + ".pack")).isEqualTo(bin);
        assertThat(storage.read(H1 + ".pack", 65_000, 5)).isEqualTo(java.util.Arrays.copyOfRange(bin, 65_000, 65_005));
        assertThat(storage.read(H2 + ".pack")).isEmpty();
    }

    @Test
    public void keysSharingADirectoryListSeparately() {
        storage.write(H1 + ".delta", utf8("d1"));
        storage.write(H3 + ".delta", utf8("d3"));
        storage.write(H2 + ".delta", utf8("d2"));
        assertThat(storage.list(".delta")).containsExactly(H1, H3, H2);
        assertThat(storage.read(H3 + ".delta")).isEqualTo(utf8("d3"));
    }
}
