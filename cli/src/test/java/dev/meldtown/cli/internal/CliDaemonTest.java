package dev.meldtown.cli.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meldtown.cli.Main;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLI daemon answers every command exactly as the command run in its own process would: the same stdout bytes,
 * the same error line, the same exit code; it takes only replica verbs on local files, and a client that finds no
 * daemon (or a refusal) has run nothing and written nothing.
 */
class CliDaemonTest {
    @TempDir
    Path tmp;

    private CliDaemon daemon;
    private Path addressFile;
    private Thread serving;

    /** One command's answer. */
    record Answer(int code, String out, String err) {
    }

    @BeforeEach
    void start() throws IOException {
        addressFile = tmp.resolve("d.port");
        daemon = CliDaemon.bind(addressFile);
        serving = new Thread(daemon::serve, "test-daemon");
        serving.start();
    }

    @AfterEach
    void stop() throws Exception {
        daemon.close();
        serving.join(5000);
    }

    private Answer viaDaemon(Path cwd, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = DaemonClient.call(addressFile, args, cwd, false, out, err);
        return new Answer(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** The same command in this JVM, with relative paths as the daemon resolves them against {@code cwd}. */
    private static Answer inProcess(Path cwd, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code;
        try (PrintWriter o = new PrintWriter(out); PrintWriter e = new PrintWriter(err)) {
            code = Invocation.as(cwd, false, () -> Main.run(args, o, e));
        }
        return new Answer(code, out.toString(), err.toString());
    }

    private static String todo(int n, String tag) {
        StringBuilder sb = new StringBuilder("{\"software\":\"MeldaDo\",\"items\u266d\":[");
        for (int i = 0; i < n; i++) {
            sb.append(i == 0 ? "" : ",").append("{\"_id\":\"item-").append(i).append("\",\"title\":\"Todo ").append(i).append(' ')
                    .append(tag).append(" \u00e9\",\"rank\":").append(i).append(".25}");
        }
        return sb.append("]}").toString();
    }

    @Test
    void everyReplicaVerbAnswersAsInItsOwnProcessWithRelativePathsFromTheClientsDirectory() throws Exception {
        Path work = Files.createDirectories(tmp.resolve("work"));
        Files.writeString(work.resolve("a.json"), todo(300, "a"));
        Files.writeString(work.resolve("b.json"), todo(301, "b"));
        // two copies of the same history: one written through the daemon, one in this JVM, compared step by step
        for (String side : List.of("d", "p")) {
            Files.createDirectories(work.resolve(side));
        }
        List<String[]> steps = List.of(
                new String[] {"update", "-t", "file://$/r", "-j", "a.json", "-a", "alice", "-d", "first"},
                new String[] {"update", "-t", "file+flate://$/s", "--jsonfile=b.json"},
                new String[] {"meld", "-s", "file+flate://$/s", "-t", "file://$/r"},
                new String[] {"read", "-s", "file://$/r"},
                new String[] {"read", "-s", "file://$/r", "--json"},
                new String[] {"log", "-s", "file://$/r"},
                new String[] {"log", "-s", "file://$/r", "--json"},
                new String[] {"conflicts", "-s", "file://$/r"},
                new String[] {"history", "-s", "file://$/r", "-o", "item-1"},
                new String[] {"value", "-s", "file://$/r", "-o", "item-1", "--json"},
                new String[] {"resolve", "-t", "file://$/r"},
                new String[] {"update", "-t", "file://$/r", "-j", "a.json"},
                new String[] {"read", "-s", "file://$/r"},
                // errors: the same one line and exit code (the file named as the user wrote it)
                new String[] {"update", "-t", "file://$/r", "-j", "missing.json"},
                new String[] {"read", "-s", "file://$/no-such-replica"},
                new String[] {"value", "-s", "file://$/r", "-o", "no-such-object"},
                new String[] {"read", "-s", "file://$/r", "--verbose", "-b", "0000"});
        int served = 0;
        for (String[] step : steps) {
            String[] d = with(step, work.resolve("d"));
            String[] p = with(step, work.resolve("p"));
            Answer viaDaemon = viaDaemon(work, d);
            Answer expected = inProcess(work, p);
            assertThat(viaDaemon.code()).as(String.join(" ", step)).isEqualTo(expected.code());
            assertThat(viaDaemon.out()).as(String.join(" ", step)).isEqualTo(expected.out().replace(work.resolve("p").toString(), work.resolve("d").toString()));
            assertThat(viaDaemon.err()).as(String.join(" ", step)).isEqualTo(expected.err().replace(work.resolve("p").toString(), work.resolve("d").toString()));
            served++;
        }
        assertThat(served).isEqualTo(steps.size());
        // the replica the daemon wrote is the one written in this JVM
        assertThat(inProcess(work, "log", "-s", "file://" + work.resolve("d/r")).out())
                .isEqualTo(inProcess(work, "log", "-s", "file://" + work.resolve("p/r")).out()).contains("first");
        assertThat(daemon.served()).isEqualTo(steps.size());
        // the error for a missing file names it relative, as the user wrote it, and nothing else changed in the replica
        assertThat(viaDaemon(work, "update", "-t", "file://" + work.resolve("d/r"), "-j", "missing.json").err())
                .isEqualTo("meldtown update: cannot read missing.json: no such file\n");
    }

    private static String[] with(String[] step, Path base) {
        String[] out = step.clone();
        for (int i = 0; i < out.length; i++) {
            out[i] = out[i].replace("$", base.toString());
        }
        return out;
    }

    @Test
    void commandsFromSeveralClientsRunSideBySideEachWithItsOwnOutput() throws Exception {
        Path work = Files.createDirectories(tmp.resolve("many"));
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Answer>> created = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                Files.writeString(work.resolve(i + ".json"), todo(50 + i, "c" + i));
                String[] args = {"update", "-t", "file://" + work.resolve("r" + i), "-j", i + ".json"};
                created.add(pool.submit(() -> viaDaemon(work, args)));
            }
            for (Future<Answer> f : created) {
                assertThat(f.get().code()).as(f.get().err()).isZero();
                assertThat(f.get().out()).matches("Committed block [0-9a-f]{64}\n");
            }
            List<Future<Answer>> reads = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                String[] args = {"read", "-s", "file://" + work.resolve("r" + i)};
                reads.add(pool.submit(() -> viaDaemon(work, args)));
            }
            for (int i = 0; i < 8; i++) {
                Answer a = reads.get(i).get();
                assertThat(a.out()).isEqualTo(inProcess(work, "read", "-s", "file://" + work.resolve("r" + i)).out());
                assertThat(a.out()).contains("Todo " + (49 + i) + " c" + i).doesNotContain("Todo " + (50 + i) + " ");
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void whatTheDaemonDoesNotTakeRunsNothingThereAndWritesNothing() throws Exception {
        Path work = Files.createDirectories(tmp.resolve("refused"));
        for (String[] args : List.of(
                new String[] {"read", "-s", "memory://"},                       // gone when the command ends: not in a shared JVM
                new String[] {"read", "-s", "s3://bucket/prefix"},              // credentials of the client's environment
                new String[] {"read", "-s", "http://127.0.0.1:1/v1/tenants/t/docs/d/replicas/r"},
                new String[] {"read", "--help"},                                // picocli's forms
                new String[] {"read", "-s"},
                new String[] {"towns"},
                new String[] {"meld", "-s", "file://" + work.resolve("a"), "-t", "memory://x"})) {
            assertThat(DaemonClient.eligible(args)).as(String.join(" ", args)).isFalse();
            Answer a = viaDaemon(work, args); // sent anyway: the daemon refuses it
            assertThat(a).as(String.join(" ", args)).isEqualTo(new Answer(-1, "", ""));
        }
        assertThat(daemon.served()).as("refusals are not commands").isZero();
        assertThat(DaemonClient.eligible(new String[] {"read", "-s", "file://" + work.resolve("a")})).isTrue();
        assertThat(DaemonClient.eligible(new String[] {"meld", "--source=file+flate://" + work.resolve("a"), "-t", "file://" + work.resolve("b")})).isTrue();
        assertThat(DaemonClient.eligible(new String[] {"update", "-t", "file://" + work.resolve("a"), "-j", "x.json", "-d", "see http://example.org"})).isFalse();
        assertThat(DaemonClient.eligible(new String[] {"read", "-s", "file://relative"})).isFalse();
    }

    @Test
    void onlyItsUserMayEnterTheAddressFilesDirectory() throws Exception {
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(addressFile.getParent())))
                .isEqualTo("rwx------");
    }

    @Test
    void aClientWithNoDaemonRunsNothingThereAndWritesNothing() throws Exception {
        Path work = Files.createDirectories(tmp.resolve("none"));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        String[] args = {"read", "-s", "file://" + work.resolve("r")};
        assertThat(DaemonClient.call(tmp.resolve("nobody.port"), args, work, false, out, err)).isEqualTo(-1);
        daemon.close();
        assertThat(addressFile).doesNotExist();
        assertThat(DaemonClient.call(addressFile, args, work, false, out, err)).isEqualTo(-1);
        assertThat(out.size() + err.size()).isZero();
    }

    @Test
    void aSecondDaemonOnALiveAddressRefusesToStartAndAStaleAddressIsReplaced() throws Exception {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> CliDaemon.bind(addressFile)).hasMessageContaining("already answers");
        assertThat(DaemonClient.alive(addressFile)).isTrue();
        Path stale = tmp.resolve("stale.port");
        int deadPort;
        try (var gone = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            deadPort = gone.getLocalPort();
        }
        new DaemonWire.Address(deadPort, "0".repeat(DaemonWire.TOKEN_LENGTH)).write(stale); // as a crashed daemon leaves it
        assertThat(DaemonClient.alive(stale)).isFalse();
        try (CliDaemon second = CliDaemon.bind(stale)) {
            Thread t = new Thread(second::serve);
            t.start();
            assertThat(DaemonClient.alive(stale)).isTrue();
            assertThat(DaemonWire.Address.read(stale).port()).isNotEqualTo(deadPort);
            assertThat(second.served()).isZero();
        }
        assertThat(stale).doesNotExist();
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(addressFile)))
                .as("the token is for this user only").isEqualTo("rw-------");
    }

    @Test
    void aClientWithoutTheTokenRunsNothing() throws Exception {
        Path work = Files.createDirectories(tmp.resolve("token"));
        Files.writeString(work.resolve("a.json"), todo(3, "t"));
        DaemonWire.Address real = DaemonWire.Address.read(addressFile);
        Path forged = tmp.resolve("forged.port");
        new DaemonWire.Address(real.port(), "f".repeat(DaemonWire.TOKEN_LENGTH)).write(forged);
        String[] args = {"update", "-t", "file://" + work.resolve("r"), "-j", "a.json"};
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertThat(DaemonClient.call(forged, args, work, false, out, err)).isEqualTo(-1);
        assertThat(out.size() + err.size()).isZero();
        assertThat(work.resolve("r")).doesNotExist();
        assertThat(daemon.served()).isZero();
        assertThat(viaDaemon(work, args).code()).as("with the token").isZero();
        assertThat(work.resolve("r")).isDirectory();
    }

    @Test
    void theClientListOfReplicaVerbsIsFastArgsList() {
        for (String verb : Main.commandLine().getSubcommands().keySet()) {
            assertThat(DaemonClient.replicaVerb(verb)).as(verb).isEqualTo(FastArgs.options(verb) != null);
        }
    }
}
