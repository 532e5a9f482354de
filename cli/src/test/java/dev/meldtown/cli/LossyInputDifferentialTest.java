package dev.meldtown.cli;

import static dev.meldtown.cli.Tools.melda;
import static dev.meldtown.cli.Tools.meldaOk;
import static dev.meldtown.cli.Tools.ours;
import static dev.meldtown.cli.Tools.url;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Issue 10 item 11, against the reference: each input libmelda-tools 0.2.0 accepts and then reads back wrong (or
 * cannot read at all) is refused by ours with one line naming the path, and ours writes nothing.
 */
class LossyInputDifferentialTest {
    @TempDir
    Path tmp;

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        // input | what libmelda-tools reads back ("PANIC": its read panics) | our error names
        "{\"items♭\":[1,\"x\",true],\"keep\":1} | {\"_id\":\"√\",\"items♭\":[],\"keep\":1} | number 1 at index 0 of the ♭ array at √/items♭",
        "{\"o♭\":{\"_id\":\"!a\",\"v\":1}} | {\"_id\":\"√\",\"o♭\":\"a\"} | _id !a of the object in the ♭ field at √/o♭ starts with !",
        "{\"items♭\":[{\"_id\":\"√\",\"x\":1}],\"keep\":2} | PANIC | _id √ is reserved for the document root, found at √/items♭",
        "{\"a♭\":{\"_id\":\"x\",\"v\":1},\"b♭\":{\"_id\":\"x\",\"v\":2}} | {\"_id\":\"√\",\"a♭\":{\"_id\":\"x\",\"v\":2},\"b♭\":null} | _id x is used by two objects",
    })
    void libmeldaToolsLosesItOursRefusesIt(String input, String meldaReads, String ourError) throws IOException {
        Path doc = tmp.resolve("doc.json");
        Files.writeString(doc, input, StandardCharsets.UTF_8);

        String theirs = url("file", tmp.resolve("theirs"));
        assertThat(meldaOk(tmp, "update", "-t", theirs, "-j", doc.toString())).startsWith("Committed block ");
        Tools.Out read = melda(tmp, "read", "-s", theirs);
        if (meldaReads.equals("PANIC")) {
            assertThat(read.crashed()).as("libmelda-tools read: %s", read.err()).isTrue();
        } else {
            assertThat(read.code()).isZero();
            assertThat(read.out()).isEqualTo(meldaReads + "\n");
        }

        Path mine = tmp.resolve("ours");
        Tools.Out o = ours("update", "-t", url("file", mine), "-j", doc.toString());
        assertThat(o.code()).isEqualTo(1);
        assertThat(o.err()).startsWith("meldtown update: ").contains(ourError);
        assertThat(mine).doesNotExist();
    }
}
