package dev.meldtown.acceptance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meldtown.testkit.MeldaTools;
import dev.meldtown.testkit.Processes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bin/meldtown} as a user runs it: it builds itself, speaks Melda's verbs, and its replicas open in libmelda-tools. */
class MeldtownCliTest {
    @TempDir
    Path dir;

    @Test
    void twoUsersUpdateMeldAndReadTheSameDocumentAsLibmeldaToolsReadsIt() throws Exception {
        Files.writeString(dir.resolve("alice.json"), "{\"software\":\"MeldaDo\",\"items♭\":[{\"_id\":\"a1\",\"title\":\"Buy milk\"}]}");
        Files.writeString(dir.resolve("bob.json"), "{\"software\":\"MeldaDo\",\"items♭\":[{\"_id\":\"b1\",\"title\":\"Walk the dog\"}]}");
        String alice = "file://" + dir.resolve("alice");
        String bob = "file+flate://" + dir.resolve("bob");

        assertThat(meldtown("update", "-t", alice, "-j", "alice.json", "-a", "alice").stdout()).startsWith("Committed block ");
        assertThat(meldtown("update", "-t", bob, "-j", "bob.json", "-a", "bob").stdout()).startsWith("Committed block ");
        assertThat(meldtown("meld", "-s", bob, "-t", alice).exitCode()).isZero();

        String ours = meldtown("read", "-s", alice).stdout().trim();
        assertThat(ours).contains("Buy milk").contains("Walk the dog");
        var theirs = MeldaTools.locate().run(dir, "read", "-s", alice);
        assertThat(theirs.exitCode()).as(theirs.stderr()).isZero();
        assertThat(theirs.stdout().trim()).isEqualTo(ours);
    }

    @Test
    void everyErrorIsOneReadableLineAndANonZeroExitCode() {
        for (String[] args : List.of(
                new String[] {"read", "-s", "ftp://nowhere"},
                new String[] {"update", "-t", "file://" + dir.resolve("r"), "-j", "missing.json"},
                new String[] {"value", "-s", "file://" + dir.resolve("r"), "-o", "no-such-object"},
                new String[] {"frobnicate"})) {
            var result = meldtown(args);
            assertThat(result.exitCode()).as(String.join(" ", args)).isNotZero();
            assertThat(result.stderr().strip()).as(String.join(" ", args)).isNotEmpty().doesNotContain("\n\tat ");
            assertThat(result.stderr().strip().lines().filter(l -> !l.startsWith("[meldtown] building"))).hasSize(1);
        }
    }

    private Processes.Result meldtown(String... args) {
        List<String> command = new ArrayList<>();
        command.add(StackTest.ROOT.resolve("bin/meldtown").toString());
        command.addAll(List.of(args));
        return Processes.exec(new ProcessBuilder(command).directory(dir.toFile()), Duration.ofMinutes(10));
    }
}
