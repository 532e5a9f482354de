package dev.meldtown.cli.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meldtown.cli.Main;
import dev.meldtown.crdt.MemoryStorage;
import dev.meldtown.crdt.ReplicaStorage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Progress lines: after a second, at most four a second, erased at the end; none when stderr is not a terminal. */
class ProgressTest {
    @TempDir
    Path tmp;

    @Test
    void aLongCopyShowsOneLineRewrittenInPlaceAndErasesIt() {
        AtomicLong now = new AtomicLong(0);
        StringWriter err = new StringWriter();
        MemoryStorage target = new MemoryStorage();
        try (Progress p = new Progress("meldtown meld: copied", new PrintWriter(err), now::get, true)) {
            ReplicaStorage counted = p.writing(target);
            counted.write("aa.delta", new byte[100]);
            assertThat(err.toString()).as("nothing in the first second").isEmpty();
            now.set(1_100_000_000L);
            counted.write("bb.delta", new byte[2048]);
            assertThat(err.toString()).isEqualTo("\rmeldtown meld: copied 2 files, 2.1 KiB\u001b[K");
            now.addAndGet(100_000_000L);
            counted.write("cc.delta", new byte[1]);
            assertThat(err.toString()).as("not again within 250 ms").isEqualTo("\rmeldtown meld: copied 2 files, 2.1 KiB\u001b[K");
            now.addAndGet(200_000_000L);
            assertThat(counted.write("cc.delta", new byte[1])).isFalse(); // already there: not counted
            counted.write("dd.delta", new byte[3 * 1024 * 1024]);
            assertThat(err.toString()).endsWith("\rmeldtown meld: copied 4 files, 3.0 MiB\u001b[K");
        }
        assertThat(err.toString()).endsWith("\r\u001b[K");
        assertThat(target.list(".delta")).hasSize(4);
    }

    @Test
    void offTheTerminalNothingIsPrintedAndTheStorageIsUnwrapped() {
        StringWriter err = new StringWriter();
        MemoryStorage target = new MemoryStorage();
        AtomicLong now = new AtomicLong(0);
        try (Progress p = new Progress("x", new PrintWriter(err), now::get, false)) {
            assertThat(p.writing(target)).isSameAs(target);
            now.set(10_000_000_000L);
            p.file(5);
        }
        assertThat(err.toString()).isEmpty();
    }

    @Test
    void withoutTheTerminalPropertyAVerbPrintsNoProgress() throws Exception {
        assertThat(System.getProperty("meldtown.progress")).isNull();
        assertThat(Progress.enabled()).isFalse();
        Files.writeString(tmp.resolve("d.json"), "{\"k\":1}");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        try (PrintWriter o = new PrintWriter(out); PrintWriter e = new PrintWriter(err)) {
            assertThat(Main.run(new String[] {"update", "-t", "file://" + tmp.resolve("r"), "-j", tmp.resolve("d.json").toString()}, o, e)).isZero();
            assertThat(Main.run(new String[] {"read", "-s", "file://" + tmp.resolve("r")}, o, e)).isZero();
        }
        assertThat(err.toString()).isEmpty();
    }
}
