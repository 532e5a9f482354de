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

    /**
     * The start-up archive: with a JDK >= 24 an AOT cache is made on first use and used after; a JDK >= 24 that is
     * broken (its java fails) or gone falls back to the java on PATH with AppCDS, silently and with the same output.
     * (The warm daemon is off here: it would outlive the command in these throwaway homes; its own test is below.)
     */
    @Test
    void theJdkChoiceIsSafeAndEveryChoicePrintsTheSame() throws Exception {
        Files.writeString(dir.resolve("d.json"), "{\"items\u266d\":[{\"_id\":\"a\",\"n\":0.1,\"big\":1e300}],\"k\":\"\u00e9\"}");
        assertThat(meldtown("update", "-t", "file://" + dir.resolve("r"), "-j", "d.json").exitCode()).isZero();
        String expected = MeldaTools.locate().run(dir, "read", "-s", "file://" + dir.resolve("r")).stdout();
        assertThat(expected).contains("\"k\":\"\u00e9\"");

        Path broken = dir.resolve("jdk-broken");
        Files.createDirectories(broken.resolve("bin"));
        Files.writeString(broken.resolve("release"), "JAVA_VERSION=\"26.0.1\"\n");
        Files.writeString(broken.resolve("bin/java"), "#!/bin/sh\necho 'broken JDK' >&2\nexit 1\n");
        broken.resolve("bin/java").toFile().setExecutable(true);
        Path home = dir.resolve("home-broken");
        for (int run = 0; run < 2; run++) { // the first run finds the JDK broken, the second remembers it
            var r = meldtown(java.util.Map.of("MELDTOWN_HOME", home.toString(), "MELDTOWN_CLI_JDK", broken.toString(), "MELDTOWN_CLI_DAEMON", "0"),
                    "read", "-s", "file://" + dir.resolve("r"));
            assertThat(r.exitCode()).as(r.stderr()).isZero();
            assertThat(r.stdout()).isEqualTo(expected);
            assertThat(r.stderr()).doesNotContain("broken JDK");
        }
        assertThat(list(home.resolve("cli-aot"))).singleElement().asString().endsWith(".aot.failed");
        assertThat(list(home.resolve("cli-cds"))).singleElement().asString().endsWith(".jsa");

        var gone = meldtown(java.util.Map.of("MELDTOWN_HOME", dir.resolve("home-gone").toString(), "MELDTOWN_CLI_JDK",
                dir.resolve("no-such-jdk").toString(), "MELDTOWN_CLI_DAEMON", "0"), "read", "-s", "file://" + dir.resolve("r"));
        assertThat(gone.exitCode()).as(gone.stderr()).isZero();
        assertThat(gone.stdout()).isEqualTo(expected);

        // the JDK >= 24 bin/meldtown finds by itself (Temurin 25 on our machines), when there is one
        List<Path> newJdks = new ArrayList<>();
        try (var jdks = Files.list(Path.of("/usr/lib/jvm"))) {
            for (Path h : jdks.toList()) {
                if (Files.exists(h.resolve("release")) && Files.readString(h.resolve("release")).matches("(?s).*JAVA_VERSION=\"(2[4-9]|[3-9][0-9]).*")) {
                    newJdks.add(h);
                }
            }
        } catch (java.nio.file.NoSuchFileException e) {
            // no JDKs there
        }
        Path aotHome = dir.resolve("home-aot");
        for (int run = 0; run < 2; run++) { // the first run makes the cache, the second uses it
            var r = meldtown(java.util.Map.of("MELDTOWN_HOME", aotHome.toString(), "MELDTOWN_CLI_DAEMON", "0"), "read", "-s", "file://" + dir.resolve("r"));
            assertThat(r.exitCode()).as(r.stderr()).isZero();
            assertThat(r.stdout()).isEqualTo(expected);
            assertThat(r.stderr()).isEmpty();
        }
        if (!newJdks.isEmpty()) {
            assertThat(list(aotHome.resolve("cli-aot"))).singleElement().asString().endsWith(".aot");
            assertThat(aotHome.resolve("cli-cds")).doesNotExist();
        } else {
            assertThat(list(aotHome.resolve("cli-cds"))).singleElement().asString().endsWith(".jsa");
        }
    }

    /**
     * The warm daemon: the first replica command on local files starts it in the background, the next ones run in
     * it with the same output, error lines and exit codes as with {@code MELDTOWN_CLI_DAEMON=0}; it stops when its
     * address file is removed, having served them.
     */
    @Test
    void theWarmDaemonRunsLaterCommandsWithTheSameOutputAsTheirOwnProcess() throws Exception {
        Path home = dir.resolve("home-daemon");
        java.util.Map<String, String> on = java.util.Map.of("MELDTOWN_HOME", home.toString());
        java.util.Map<String, String> off = java.util.Map.of("MELDTOWN_HOME", home.toString(), "MELDTOWN_CLI_DAEMON", "0");
        Files.writeString(dir.resolve("a.json"), "{\"items\u266d\":[{\"_id\":\"a\",\"n\":0.1,\"t\":\"\u00e9\"}],\"k\":1}");
        Files.writeString(dir.resolve("b.json"), "{\"items\u266d\":[{\"_id\":\"b\",\"n\":2}],\"k\":2}");
        for (int run = 0; run < 2; run++) { // the first makes the start-up archive, the second starts the daemon
            var first = meldtown(on, "update", "-t", "file://" + dir.resolve("start"), "-j", "a.json");
            assertThat(first.exitCode()).as(first.stderr()).isZero();
            assertThat(first.stdout()).startsWith(run == 0 ? "Committed block " : "Nothing to commit");
        }
        Path daemons = home.resolve("cli-daemon");
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (!hasAddress(daemons) && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        assertThat(hasAddress(daemons)).as("a daemon listens after the first command").isTrue();

        int commands = 0;
        for (String[] step : List.of(
                new String[] {"update", "-t", "file://$/r", "-j", "a.json", "-a", "alice"},
                new String[] {"update", "-t", "file+flate://$/s", "-j", "b.json"},
                new String[] {"meld", "-s", "file+flate://$/s", "-t", "file://$/r"},
                new String[] {"read", "-s", "file://$/r"},
                new String[] {"log", "-s", "file://$/r", "--json"},
                new String[] {"conflicts", "-s", "file://$/r"},
                new String[] {"update", "-t", "file://$/r", "-j", "missing.json"},
                new String[] {"value", "-s", "file://$/r", "-o", "no-such-object"},
                new String[] {"read", "-s", "file://$/no-such-replica"})) {
            String[] viaDaemon = step.clone();
            String[] alone = step.clone();
            for (int i = 0; i < step.length; i++) {
                viaDaemon[i] = step[i].replace("$", dir.resolve("d").toString());
                alone[i] = step[i].replace("$", dir.resolve("p").toString());
            }
            var d = meldtown(on, viaDaemon);
            var p = meldtown(off, alone);
            String what = String.join(" ", step);
            assertThat(d.exitCode()).as(what + ": " + d.stderr()).isEqualTo(p.exitCode());
            assertThat(d.stdout()).as(what).isEqualTo(p.stdout().replace(dir.resolve("p").toString(), dir.resolve("d").toString()));
            assertThat(d.stderr()).as(what).isEqualTo(p.stderr().replace(dir.resolve("p").toString(), dir.resolve("d").toString()));
            commands++;
        }
        assertThat(MeldaTools.locate().run(dir, "read", "-s", "file://" + dir.resolve("d/r")).stdout().trim())
                .isEqualTo(meldtown(off, "read", "-s", "file://" + dir.resolve("d/r")).stdout().trim());

        Path address;
        try (var s = Files.list(daemons)) {
            address = s.filter(f -> f.toString().endsWith(".port")).findFirst().orElseThrow();
        }
        Path log = Path.of(address.toString().replace(".port", ".log"));
        Files.delete(address); // how a daemon is stopped by hand: it notices within seconds
        deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!Files.readString(log).contains("stopping") && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        String stopped = Files.readString(log);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("stopping after (\\d+) commands: its address file was removed").matcher(stopped);
        assertThat(m.find()).as(stopped).isTrue();
        assertThat(Integer.parseInt(m.group(1))).as("commands the daemon ran").isEqualTo(commands);
    }

    private static boolean hasAddress(Path d) throws java.io.IOException {
        if (!Files.isDirectory(d)) {
            return false;
        }
        try (var s = Files.list(d)) {
            return s.anyMatch(f -> f.toString().endsWith(".port"));
        }
    }

    private static List<String> list(Path d) throws java.io.IOException {
        try (var s = Files.list(d)) {
            return s.map(p -> p.getFileName().toString()).toList();
        }
    }

    private Processes.Result meldtown(String... args) {
        return meldtown(java.util.Map.of(), args);
    }

    private Processes.Result meldtown(java.util.Map<String, String> env, String... args) {
        List<String> command = new ArrayList<>();
        command.add(StackTest.ROOT.resolve("bin/meldtown").toString());
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile());
        pb.environment().putAll(env);
        return Processes.exec(pb, Duration.ofMinutes(10));
    }
}
