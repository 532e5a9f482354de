package dev.meldtown.cli;

import static dev.meldtown.cli.Tools.ours;
import static dev.meldtown.cli.Tools.oursOk;
import static dev.meldtown.cli.Tools.url;
import static org.assertj.core.api.Assertions.assertThat;

import dev.meldtown.crdt.DocumentLimits;
import dev.meldtown.crdt.FileStorage;
import dev.meldtown.crdt.StorageUrls;
import dev.meldtown.storage.s3.S3StorageProvider;
import dev.meldtown.testkit.junit.S3Extension;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10 items 2, 11 and 12 through the CLI: every bad input or broken replica is exit 1 with one short readable
 * line ({@link Tools#ours} checks one line and no stack trace on every call), and nothing is written.
 */
class HostileInputCliTest {
    @RegisterExtension
    static S3Extension s3 = new S3Extension();

    @TempDir
    Path tmp;

    private Path write(String name, String content) throws IOException {
        Path p = tmp.resolve(name);
        Files.writeString(p, content, StandardCharsets.UTF_8);
        return p;
    }

    private static String fails(String errorContains, String... args) {
        Tools.Out o = ours(args);
        assertThat(o.code()).as("exit code of %s (stderr %s)", String.join(" ", args), o.err()).isEqualTo(1);
        assertThat(o.err()).contains(errorContains).doesNotContain("null");
        assertThat(o.err().length()).as("a short line: %s", o.err()).isLessThan(400);
        assertThat(o.out()).isEmpty();
        return o.err();
    }

    private static List<String> files(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).map(dir::relativize).map(Path::toString).sorted().toList();
        }
    }

    // ------------------------------------------------------------------ item 12: sources that are not replicas

    @Test
    void readOnlyVerbsFromADirectoryThatDoesNotExistFail() {
        Path missing = tmp.resolve("no-such-dir");
        String u = url("file", missing);
        for (String verb : List.of("log", "conflicts", "read")) {
            assertThat(fails("meldtown " + verb + ": no replica at " + u + ": " + missing + " does not exist", verb, "-s", u)).endsWith("\n");
        }
        fails("does not exist", "history", "-s", u, "-o", "\u221A");
        fails("does not exist", "value", "-s", u, "-o", "\u221A");
        fails("meldtown meld: no replica at " + u, "meld", "-s", u, "-t", url("file", tmp.resolve("target")));
        fails("does not exist", "log", "-s", url("file+flate", missing));
        // resolve's -t is read before it is written: libmelda-tools prints "Committed changes" here
        fails("meldtown resolve: no replica at " + u + ": " + missing + " does not exist", "resolve", "-t", u);
        assertThat(missing).doesNotExist();
        assertThat(tmp.resolve("target")).doesNotExist();
    }

    @Test
    void aDirectoryThatIsNotAReplicaFails() throws IOException {
        fails("meldtown log: not a replica: /etc holds no Melda files", "log", "-s", "file:///etc");
        fails("not a replica: /etc", "conflicts", "-s", "file:///etc");
        fails("not a replica", "meld", "-s", "file:///etc", "-t", url("file", tmp.resolve("t")));
        fails("is not a directory", "log", "-s", url("file", write("plain", "x")));
        // a compressed replica read as a plain one says which scheme to use
        oursOk("update", "-t", url("file+flate", tmp.resolve("z")), "-j", write("d.json", "{\"a\":1}").toString());
        fails("holds no Melda files (it holds a compressed replica: use file+flate://)", "read", "-s", url("file", tmp.resolve("z")));
    }

    @Test
    void anEmptyDirectoryIsAnEmptyReplicaAsForLibmeldaTools() throws IOException {
        Files.createDirectories(tmp.resolve("empty"));
        assertThat(oursOk("log", "-s", url("file", tmp.resolve("empty")))).isEmpty();
        assertThat(oursOk("conflicts", "-s", url("file", tmp.resolve("empty")))).isEmpty();
        assertThat(oursOk("meld", "-s", url("file", tmp.resolve("empty")), "-t", url("file", tmp.resolve("t")))).isEqualTo("[]\n");
    }

    // ------------------------------------------------------------------ item 12: corrupt files

    @Test
    void aCorruptPackMakesReadFailNamingTheFile() throws IOException {
        Path dir = tmp.resolve("r");
        String r = url("file", dir);
        oursOk("update", "-t", r, "-j", write("v1.json", "{\"a\":1}").toString());
        List<String> before = new FileStorage(dir).list(".pack");
        oursOk("update", "-t", r, "-j", write("v2.json", "{\"a\":2}").toString());
        String pack = new FileStorage(dir).list(".pack").stream().filter(p -> !before.contains(p)).findFirst().orElseThrow();
        Path file = dir.resolve(pack.substring(0, 2)).resolve(pack + ".pack");
        Files.writeString(file, "[{\"a\":3}]"); // another content under the same name
        fails("meldtown read: corrupt file " + pack + ".pack in " + r + ": pack " + pack + " hashes to", "read", "-s", r);
        Files.writeString(file, "this is no JSON");
        fails("corrupt file " + pack + ".pack", "read", "-s", r);
        assertThat(fails("corrupt file", "read", "-s", r)).contains("--partial");
        // asked for explicitly, the intact part is printed (the state before the corrupt pack) with a warning
        Tools.Out partial = ours("read", "--partial", "-s", r);
        assertThat(partial.code()).isZero();
        assertThat(partial.out()).isEqualTo("{\"_id\":\"\u221A\",\"a\":1}\n");
        assertThat(partial.err()).contains("warning: partial read: 1 corrupt file(s) skipped, e.g. " + pack + ".pack");
        // the history is still shown, with a one-line warning
        Tools.Out log = ours("log", "-s", r);
        assertThat(log.code()).isZero();
        assertThat(log.err()).contains("warning: skipped 1 invalid block(s)").contains("invalid pack " + pack).hasLineCount(1);
    }

    @Test
    void aCorruptDeltaMakesReadFail() throws IOException {
        Path dir = tmp.resolve("r");
        String r = url("file", dir);
        oursOk("update", "-t", r, "-j", write("v1.json", "{\"a\":1}").toString());
        Files.createDirectories(dir.resolve("ff"));
        Files.writeString(dir.resolve("ff").resolve("f".repeat(64) + ".delta"), "not json");
        fails("corrupt file " + "f".repeat(64) + ".delta", "read", "-s", r);
    }

    /** Item 9's decision, seen from the CLI: a block whose parent is missing waits (a meld may be under way). */
    @Test
    void aBlockWhoseParentIsMissingIsSkippedWithAWarningNotAnError() throws IOException {
        Path full = tmp.resolve("full");
        String f = url("file", full);
        oursOk("update", "-t", f, "-j", write("v1.json", "{\"a\":1}").toString());
        List<String> first = files(full);
        oursOk("update", "-t", f, "-j", write("v2.json", "{\"a\":2}").toString());
        List<String> second = files(full).stream().filter(k -> !first.contains(k)).toList();
        oursOk("update", "-t", f, "-j", write("v3.json", "{\"a\":3}").toString());
        Path partial = tmp.resolve("partial");
        for (String k : files(full)) {
            if (!second.contains(k) || k.endsWith(".pack")) { // drop the middle block's delta only
                Files.createDirectories(partial.resolve(k).getParent());
                Files.copy(full.resolve(k), partial.resolve(k));
            }
        }
        Tools.Out read = ours("read", "-s", url("file", partial));
        assertThat(read.code()).isZero();
        assertThat(read.out()).isEqualTo("{\"_id\":\"\u221A\",\"a\":1}\n");
        assertThat(read.err()).contains("warning: skipped 1 invalid block(s)").contains("parent").hasLineCount(1);
        // once the parent arrives, the child applies
        oursOk("meld", "-s", f, "-t", url("file", partial));
        assertThat(oursOk("read", "-s", url("file", partial))).isEqualTo("{\"_id\":\"\u221A\",\"a\":3}\n");
    }

    // ------------------------------------------------------------------ item 12: remote errors

    @Test
    void anUnknownHubHostIsOneReadableLine() {
        String u = "http://no-such-host.invalid/v1/tenants/t/docs/d/replicas/r";
        fails("meldtown log: hub " + u + " unreachable (list): unknown host no-such-host.invalid", "log", "-s", u);
    }

    @Test
    void aClosedHubPortIsOneReadableLine() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        fails("unreachable (list): connection refused", "read", "-s", "http://127.0.0.1:" + port + "/v1/tenants/t/docs/d/replicas/r");
    }

    @Test
    void s3ErrorsAreOneShortReadableLine() throws IOException {
        var server = s3.server();
        String prefix = "s3://" + server.bucket() + "/p";
        try {
            StorageUrls.register(new S3StorageProvider(Map.of("AWS_ENDPOINT_URL_S3", server.endpoint().toString())));
            System.setProperty("aws.accessKeyId", "wrong-key");
            System.setProperty("aws.secretAccessKey", "wrong-secret");
            String denied = fails("meldtown log: S3 list of " + prefix + " failed: ", "log", "-s", prefix);
            assertThat(denied).contains("(HTTP 403)");

            System.setProperty("aws.accessKeyId", server.accessKey());
            System.setProperty("aws.secretAccessKey", server.secretKey());
            assertThat(fails("NoSuchBucket", "log", "-s", "s3://no-such-bucket-x/p")).contains("(HTTP 404)");
            fails("no replica at " + prefix + ": nothing is stored there", "log", "-s", prefix);

            int port;
            try (ServerSocket s = new ServerSocket(0)) {
                port = s.getLocalPort();
            }
            StorageUrls.register(new S3StorageProvider(Map.of("AWS_ENDPOINT_URL_S3", "http://127.0.0.1:" + port)));
            String refused = fails("cannot connect to the S3 endpoint", "read", "-s", prefix);
            assertThat(refused).contains("127.0.0.1:" + port);
            // --verbose adds the causes, one line each, after the same first line
            java.io.StringWriter err = new java.io.StringWriter();
            int code = Main.commandLine().setOut(new java.io.PrintWriter(new java.io.StringWriter()))
                    .setErr(new java.io.PrintWriter(err)).execute("read", "--verbose", "-s", prefix);
            assertThat(code).isEqualTo(1);
            List<String> lines = err.toString().lines().toList();
            assertThat(lines.get(0) + "\n").isEqualTo(refused);
            assertThat(lines).hasSizeGreaterThan(1);
            assertThat(lines.subList(1, lines.size())).allMatch(l -> l.startsWith("  cause: "));
            assertThat(err.toString()).contains("cause: dev.meldtown.crdt.StorageException");
        } finally {
            System.clearProperty("aws.accessKeyId");
            System.clearProperty("aws.secretAccessKey");
            StorageUrls.register(new S3StorageProvider());
        }
    }

    // ------------------------------------------------------------------ item 2: the document depth limit

    @Test
    void updateRefusesADocumentBeyondTheDepthLimitBeforeWritingAnything() throws IOException {
        int limit = DocumentLimits.DEFAULT.maxDepth();
        Path dir = tmp.resolve("deep");
        String r = url("file", dir);
        String atLimit = "{\"k\":".repeat(limit - 1) + "{}" + "}".repeat(limit - 1);
        assertThat(oursOk("update", "-t", r, "-j", write("at.json", atLimit).toString())).startsWith("Committed block ");
        List<String> stored = files(dir);
        assertThat(oursOk("read", "-s", r)).isEqualTo("{\"_id\":\"\u221A\"," + atLimit.substring(1) + "\n");
        for (int depth : new int[] {limit + 1, 200}) {
            String deeper = "{\"k\":".repeat(depth - 1) + "{}" + "}".repeat(depth - 1);
            fails("nested deeper than 126 levels", "update", "-t", r, "-j", write("deep" + depth + ".json", deeper).toString());
        }
        assertThat(files(dir)).isEqualTo(stored);
    }

    /**
     * The hub's size limits (4 MiB, 100,000 elements: its packs must fit its 8 MiB file limit) bind an update to a hub
     * replica, before any connection; a local replica, like libmelda-tools', takes a document above them.
     */
    @Test
    void theHubsSizeLimitsBindHubTargetsOnly() throws IOException {
        int items = DocumentLimits.DEFAULT.maxArrayLength() + 1;
        StringBuilder json = new StringBuilder("{\"s\":\"").append("x".repeat((int) DocumentLimits.DEFAULT.maxDocumentBytes())).append("\",\"n\":[");
        for (int i = 0; i < items; i++) {
            json.append(i == 0 ? "" : ",").append(i % 10);
        }
        Path big = write("big.json", json.append("]}").toString());
        String hub = "http://127.0.0.1:9/v1/tenants/t/docs/d/replicas/r"; // nothing listens on port 9
        fails("exceeds the limit of " + DocumentLimits.DEFAULT.maxDocumentBytes() + " bytes", "update", "-t", hub, "-j", big.toString());
        Path dir = tmp.resolve("big");
        String local = url("file", dir);
        assertThat(oursOk("update", "-t", local, "-j", big.toString())).startsWith("Committed block ");
        com.fasterxml.jackson.databind.JsonNode read = new com.fasterxml.jackson.databind.ObjectMapper().readTree(oursOk("read", "-s", local));
        assertThat(read.get("s").asText()).hasSize((int) DocumentLimits.DEFAULT.maxDocumentBytes());
        assertThat(read.get("n")).hasSize(items);
        assertThat(read.get("n").get(items - 1).asInt()).isEqualTo((items - 1) % 10);
    }

    // ------------------------------------------------------------------ item 11: inputs Melda would lose

    @Test
    void inputsMeldaWouldLoseAreRefusedWithThePath() throws IOException {
        Path dir = tmp.resolve("lossy");
        String r = url("file", dir);
        oursOk("update", "-t", r, "-j", write("ok.json", "{\"keep\":1}").toString());
        List<String> stored = files(dir);
        fails("number 1 at index 0 of the \u266D array at \u221A/items\u266D", "update", "-t", r, "-j",
                write("prim.json", "{\"items\u266D\":[1,\"x\",true]}").toString());
        fails("_id !a of the object in the \u266D field at \u221A/o\u266D starts with !", "update", "-t", r, "-j",
                write("bang.json", "{\"o\u266D\":{\"_id\":\"!a\",\"v\":1}}").toString());
        fails("_id \u221A is reserved for the document root, found at \u221A/items\u266D", "update", "-t", r, "-j",
                write("root.json", "{\"items\u266D\":[{\"_id\":\"\u221A\",\"x\":1}]}").toString());
        fails("_id x is used by two objects", "update", "-t", r, "-j",
                write("dup.json", "{\"a\u266D\":{\"_id\":\"x\"},\"b\u266D\":{\"_id\":\"x\"}}").toString());
        assertThat(files(dir)).isEqualTo(stored);
        assertThat(oursOk("read", "-s", r)).isEqualTo("{\"_id\":\"\u221A\",\"keep\":1}\n");
    }
}
