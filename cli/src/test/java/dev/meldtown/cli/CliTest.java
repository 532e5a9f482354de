package dev.meldtown.cli;

import static dev.meldtown.cli.Tools.ours;
import static dev.meldtown.cli.Tools.oursOk;
import static dev.meldtown.cli.Tools.url;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.meldtown.crdt.CanonicalJson;
import dev.meldtown.crdt.CraftedFiles;
import dev.meldtown.crdt.DeltaBlock;
import dev.meldtown.crdt.FileStorage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Our CLI alone: exit codes, one-line errors (checked by {@link Tools#ours} on every call), --json output. */
class CliTest {
    static final String ITEMS = SeedScenarioDifferentialTest.ITEMS;

    @TempDir
    Path tmp;
    String alice;

    @BeforeEach
    void diverged() throws IOException {
        alice = url("file", tmp.resolve("alice"));
        String bob = url("file", tmp.resolve("bob"));
        oursOk("update", "-t", alice, "-j", seed("v1.json"), "-a", "Alice", "-d", "First commit");
        oursOk("update", "-t", alice, "-j", seed("v2.json"), "-a", "Alice", "-d", "Add buy milk");
        oursOk("meld", "-s", alice, "-t", bob);
        oursOk("update", "-t", alice, "-j", seed("alice3.json"));
        oursOk("update", "-t", bob, "-j", seed("bob3.json"));
        oursOk("meld", "-s", bob, "-t", alice);
    }

    private String seed(String name) throws IOException {
        Path p = tmp.resolve(name);
        if (!Files.exists(p)) {
            try (var in = getClass().getResourceAsStream("/seed/" + name)) {
                Files.write(p, in.readAllBytes());
            }
        }
        return p.toString();
    }

    private Path write(String name, String content) throws IOException {
        Path p = tmp.resolve(name);
        Files.writeString(p, content, StandardCharsets.UTF_8);
        return p;
    }

    private static void fails(int code, String errorContains, String... args) {
        Tools.Out o = ours(args);
        assertThat(o.code()).as("exit code of %s (stderr %s)", String.join(" ", args), o.err()).isEqualTo(code);
        assertThat(o.err()).contains(errorContains);
        assertThat(o.out()).isEmpty();
    }

    @Test
    void usageErrorsExitTwoWithOneLine() {
        Tools.Out none = ours();
        assertThat(none.code()).isEqualTo(2);
        assertThat(none.err()).isEqualTo("meldtown: missing command, one of: conflicts, docs, federations, history, log, meld, peers, read, resolve, round, status, sync, towns, update, value (see 'meldtown --help')\n");
        assertThat(oursOk("--help")).contains("Usage: meldtown");
        fails(2, "Missing required option: '--source=<SOURCE>'", "read");
        fails(2, "Missing required options", "update");
        fails(2, "Unknown option: '--bogus'", "read", "-s", alice, "--bogus");
        fails(2, "Unmatched argument", "frobnicate");
        assertThat(oursOk("read", "--help")).contains("-s, --source=<SOURCE>").contains("-b, --block=<BLOCK>");
        assertThat(oursOk("update", "--help")).contains("--target").contains("--jsonfile").contains("--author").contains("--description");
        assertThat(oursOk("resolve", "--help")).contains("--object").contains("--winner");
        assertThat(oursOk("value", "--help")).contains("--revision");
    }

    @Test
    void everyOptionAndParameterIsDescribedAndHelpNamesUrlFormsAndEnvironment() {
        picocli.CommandLine cl = Main.commandLine();
        java.util.List<picocli.CommandLine> all = new java.util.ArrayList<>(cl.getSubcommands().values());
        all.add(cl);
        for (picocli.CommandLine c : all) {
            var spec = c.getCommandSpec();
            for (var o : spec.options()) {
                assertThat(String.join(" ", o.description())).as("%s %s", spec.qualifiedName(), o.longestName()).isNotBlank();
            }
            for (var p : spec.positionalParameters()) {
                assertThat(String.join(" ", p.description())).as("%s %s", spec.qualifiedName(), p.paramLabel()).isNotBlank();
            }
        }
        String top = oursOk("--help");
        assertThat(top).contains("file:///abs/dir").contains("file+flate://").contains("s3://bucket/prefix")
                .contains("http(s)://host/v1/tenants/T/docs/D/replicas/R").contains("MELDTOWN_TOKEN").contains("MELDTOWN_SYNC")
                .contains("MELDTOWN_HUB").contains("AWS_ACCESS_KEY_ID").contains("towns").contains("sync");
        assertThat(oursOk("update", "--help")).contains("-a, --author=<AUTHOR>   who made the change")
                .contains("-d, --description=<DESCRIPTION>").contains("file+flate:///abs/dir").contains("--verbose");
        assertThat(oursOk("read", "--help")).contains("--partial").contains("s3://bucket/prefix");
        assertThat(oursOk("sync", "--help")).contains("--strategy=<STRATEGY>").contains("MELDTOWN_SYNC").contains("--json")
                .contains("--tenant").contains("4 a sync\n  ran and failed");
    }

    @Test
    void versionNamesTheVersionAndTheGitRevision() {
        assertThat(oursOk("--version")).matches("meldtown \\d+\\.\\d+\\.\\d+(-SNAPSHOT)? \\(git [0-9a-f]{12}(-dirty)?\\)\n");
        assertThat(oursOk("-V")).isEqualTo(oursOk("--version"));
    }

    @Test
    void shellCompletionIsGeneratedFromTheCommandModel() {
        String script = oursOk("generate-completion");
        assertThat(script).contains("complete -F").contains("meldtown");
        // every verb and its options, including the hub verbs', come from the command model
        assertThat(script).contains("towns").contains("federations").contains("round").contains("--strategy").contains("--partial")
                .contains("--jsonfile").contains("(\"ours\" \"theirs\" \"manual\")");
    }

    @Test
    void badInputsExitOneWithOneReadableLine() throws IOException {
        fails(1, "unsupported replica URL scheme 'bogus'", "read", "-s", "bogus://x");
        fails(1, "file URL must be absolute", "read", "-s", "file://relative/dir");
        fails(1, "replica URL needs a scheme", "read", "-s", "just-a-path");
        fails(1, "invalid replica URL", "read", "-s", "file:///a b");
        fails(1, "no such file", "update", "-t", alice, "-j", tmp.resolve("missing.json").toString());
        fails(1, "must hold a JSON object, not array", "update", "-t", alice, "-j", write("arr.json", "[1,2]").toString());
        fails(1, "invalid JSON", "update", "-t", alice, "-j", write("bad.json", "{bad").toString());
        fails(1, "empty JSON input", "update", "-t", alice, "-j", write("empty.json", "").toString());
        fails(1, "_id must not start with ^", "update", "-t", alice, "-j", write("caret.json", "{\"l♭\":[{\"_id\":\"^x\"}]}").toString());
        fails(1, "is a directory", "update", "-t", alice, "-j", tmp.toString());
        fails(1, "does not exist", "read", "-s", url("file", tmp.resolve("nothing-here")));
        fails(1, "unknown block deadbeef", "read", "-s", alice, "-b", "deadbeef");
        fails(1, "unknown block deadbeef", "log", "-s", alice, "-b", "deadbeef");
        // a file where the replica directory should be
        fails(1, "meldtown read", "read", "-s", url("file", write("plain-file", "x")));
    }

    @Test
    void unknownObjectsAndRevisionsExitThree() {
        fails(3, "Invalid object nosuch: unknown_document", "history", "-s", alice, "-o", "nosuch");
        fails(3, "Invalid object nosuch: unknown_document", "value", "-s", alice, "-o", "nosuch");
        fails(3, "Invalid object or revision √ 1-abc: invalid object revision", "value", "-s", alice, "-o", "√", "-r", "1-abc");
        fails(3, "invalid object revision", "value", "-s", alice, "-o", "√", "-r", "garbage");
    }

    @Test
    void resolveErrorsAsLibmeldaTools() {
        fails(1, "alice_todo_01 has no conflicts", "resolve", "-t", alice, "-o", "alice_todo_01");
        fails(1, "nosuch has no conflicts", "resolve", "-t", alice, "-o", "nosuch");
        fails(2, "3-xx not a valid winner", "resolve", "-t", alice, "-o", ITEMS, "-w", "3-xx");
        // nothing was committed by the failures
        assertThat(oursOk("conflicts", "-s", alice)).startsWith(ITEMS + ":\n");
        Tools.Out ignored = ours("resolve", "-t", alice, "-w", "3-xx");
        assertThat(ignored.code()).isZero();
        assertThat(ignored.err()).contains("--winner is ignored without --object");
        assertThat(ignored.out()).endsWith("Committed changes\n");
        assertThat(oursOk("conflicts", "-s", alice)).isEmpty();
    }

    @Test
    void corruptDataIsOneLineNotAStackTrace() throws IOException {
        FileStorage s = new FileStorage(tmp.resolve("alice"));
        // a valid block whose change names an object no pack holds: reading it is corrupt data
        CraftedFiles.CraftedPack p = CraftedFiles.pack(List.of("{\"x\":1}".getBytes(StandardCharsets.UTF_8)));
        s.write(p.hash() + ".pack", p.bytes());
        String missing = "0".repeat(64);
        String rootWinner = oursOk("history", "-s", alice, "-o", "√").lines().findFirst().orElseThrow();
        DeltaBlock b = CraftedFiles.delta(List.of(new DeltaBlock.Change("√", rootWinner, missing)), null, List.of(p.hash()), List.of());
        s.write(b.key(), b.bytes());
        fails(1, "cannot read object " + missing, "read", "-s", alice);
        // a garbage delta is skipped with a one-line warning; the command still works
        Files.createDirectories(tmp.resolve("alice/ff"));
        Files.writeString(tmp.resolve("alice/ff/" + "f".repeat(64) + ".delta"), "not json");
        Tools.Out log = ours("log", "-s", alice);
        assertThat(log.code()).isZero();
        assertThat(log.err()).contains("warning: skipped").contains("f".repeat(64)).hasLineCount(1);
    }

    @Test
    void jsonOutputOnReadOnlyVerbs() {
        JsonNode log = CanonicalJson.parse(oursOk("log", "-s", alice, "--json"));
        assertThat(log.size()).isEqualTo(4);
        assertThat(log.get(0).get("anchor").booleanValue()).isTrue();
        assertThat(log.get(0).get("parents").size()).isEqualTo(1);
        assertThat(log.get(log.size() - 1).get("origin").booleanValue()).isTrue();
        assertThat(log.get(log.size() - 1).get("information").get("author").textValue()).isEqualTo("Alice");

        JsonNode conflicts = CanonicalJson.parse(oursOk("conflicts", "-s", alice, "--json"));
        assertThat(conflicts.size()).isEqualTo(1);
        assertThat(conflicts.get(0).get("object").textValue()).isEqualTo(ITEMS);
        assertThat(conflicts.get(0).get("winner").get("revision").textValue()).startsWith("3-dd6f7564");
        assertThat(conflicts.get(0).get("others").get(0).get("value").get("a").isArray()).isTrue();

        JsonNode history = CanonicalJson.parse(oursOk("history", "-s", alice, "-o", ITEMS, "--json"));
        assertThat(history.size()).isEqualTo(3);
        assertThat(history.get(2).textValue()).startsWith("1-");

        JsonNode value = CanonicalJson.parse(oursOk("value", "-s", alice, "-o", "alice_todo_01", "--json"));
        assertThat(value.get("object").textValue()).isEqualTo("alice_todo_01");
        assertThat(value.get("revision").textValue()).startsWith("2-d_");
        assertThat(value.get("value").get("_deleted").booleanValue()).isTrue();

        assertThat(oursOk("read", "-s", alice, "--json")).isEqualTo(oursOk("read", "-s", alice));
        assertThat(oursOk("conflicts", "-s", url("file", tmp.resolve("bob")), "--json")).isEqualTo("[]\n"); // bob has not melded alice's edit
    }

    @Test
    void memoryUrlsAndNothingToCommit() throws IOException {
        String mem = "memory://cli-test-" + System.nanoTime();
        String doc = write("doc.json", "{\"a\":1}").toString();
        assertThat(oursOk("update", "-t", mem, "-j", doc)).matches("Committed block [0-9a-f]{64}\n");
        assertThat(oursOk("update", "-t", mem, "-j", doc)).isEqualTo("Nothing to commit\n");
        assertThat(oursOk("read", "-s", mem)).isEqualTo("{\"_id\":\"√\",\"a\":1}\n");
        assertThat(oursOk("meld", "-s", mem, "-t", url("file+flate", tmp.resolve("z")))).matches("\\[\"[0-9a-f]{64}\\.pack\", \"[0-9a-f]{64}\\.delta\"]\n");
        assertThat(oursOk("meld", "-s", mem, "-t", url("file+flate", tmp.resolve("z")))).isEqualTo("[]\n");
        assertThat(oursOk("read", "-s", url("file+flate", tmp.resolve("z")))).isEqualTo("{\"_id\":\"√\",\"a\":1}\n");
        // a plain replica does not see the compressed files
        fails(1, "holds no Melda files (it holds a compressed replica: use file+flate://)", "read", "-s", url("file", tmp.resolve("z")));
    }
}
