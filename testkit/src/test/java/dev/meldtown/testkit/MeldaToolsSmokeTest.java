package dev.meldtown.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MeldaToolsSmokeTest {
    @TempDir
    Path dir;

    @Test
    void updateThenReadRoundTripsADocumentThroughTheReferenceBinary() throws Exception {
        MeldaTools melda = MeldaTools.locate();
        Files.writeString(dir.resolve("doc.json"), "{\"software\":\"MeldaDo\",\"items♭\":[{\"_id\":\"a\",\"title\":\"Buy milk\"}]}");
        String replica = "file://" + dir.resolve("replica");

        var update = melda.run(dir, "update", "-t", replica, "-j", "doc.json", "-a", "alice", "-d", "first");
        assertThat(update.exitCode()).as(update.stderr()).isZero();
        assertThat(update.stdout()).matches(Pattern.compile("(?s)Committed block [0-9a-f]{64}\\s*"));

        var read = melda.run(dir, "read", "-s", replica);
        assertThat(read.exitCode()).as(read.stderr()).isZero();
        assertThat(read.stdout().trim()).isEqualTo("{\"_id\":\"√\",\"items♭\":[{\"_id\":\"a\",\"title\":\"Buy milk\"}],\"software\":\"MeldaDo\"}");

        try (Stream<Path> files = Files.walk(dir.resolve("replica"))) {
            assertThat(files.filter(Files::isRegularFile).map(p -> p.getFileName().toString()))
                    .anyMatch(n -> n.endsWith(".delta")).anyMatch(n -> n.endsWith(".pack"));
        }
    }
}
