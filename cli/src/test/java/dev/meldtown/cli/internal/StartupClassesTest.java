package dev.meldtown.cli.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a replica verb loads at start-up, in a fresh JVM as {@code bin/meldtown} starts it: no picocli on the fast
 * path, and no S3 or hub storage provider (nor their SDKs and HTTP clients) for a {@code file://} URL.
 */
class StartupClassesTest {
    @TempDir
    Path tmp;

    @Test
    void aFileReplicaVerbLoadsNeitherPicocliNorOtherSchemesProviders() throws Exception {
        Files.writeString(tmp.resolve("d.json"), "{\"items\u266d\":[{\"_id\":\"a\",\"n\":1}]}");
        String r = "file://" + tmp.resolve("r");
        List<String> update = classes("update", "-t", r, "-j", tmp.resolve("d.json").toString());
        List<String> read = classes("read", "-s", r);
        for (List<String> loaded : List.of(update, read)) {
            assertThat(loaded).anyMatch(c -> c.equals("dev.meldtown.crdt.FileStorage"));
            assertThat(loaded).noneMatch(c -> c.startsWith("picocli."))
                    .noneMatch(c -> c.startsWith("software.amazon."))
                    .noneMatch(c -> c.startsWith("dev.meldtown.storage."))
                    .noneMatch(c -> c.startsWith("java.net.http."))
                    .noneMatch(c -> c.startsWith("org.apache."))
                    .noneMatch(c -> c.equals("java.util.ServiceLoader"));
        }
        // the check sees what it looks for: help goes through picocli, an s3:// URL loads its provider
        assertThat(classes("read", "--help")).anyMatch(c -> c.startsWith("picocli."));
        assertThat(classes("read", "-s", "s3://bucket/prefix")).anyMatch(c -> c.startsWith("dev.meldtown.storage.s3."));
    }

    private List<String> classes(String... args) throws Exception {
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xshare:off", "-Xlog:class+load=info:stdout:uptime,tags", "-cp", cp, Launcher.class.getName()));
        cmd.addAll(List.of(args));
        Path log = tmp.resolve("classes.log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        assertThat(p.waitFor(2, TimeUnit.MINUTES)).isTrue();
        List<String> loaded = new ArrayList<>();
        for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
            int at = line.indexOf("[class,load] ");
            if (at >= 0) {
                String rest = line.substring(at + "[class,load] ".length());
                loaded.add(rest.substring(0, rest.indexOf(' ') < 0 ? rest.length() : rest.indexOf(' ')));
            }
        }
        assertThat(loaded).as("class loading log of %s", String.join(" ", args)).hasSizeGreaterThan(300);
        return loaded;
    }
}
