package dev.meldtown.cli;

import static dev.meldtown.cli.Tools.maskIds;
import static dev.meldtown.cli.Tools.meldaOk;
import static dev.meldtown.cli.Tools.oursOk;
import static dev.meldtown.cli.Tools.url;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.function.BiFunction;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The seed scenario (Alice and Bob, spec §4.5) run by both tools side by side in separate replicas, in plain and
 * compressed replicas: every deterministic output must be byte-identical; block and pack ids (which depend on
 * libmelda-tools' random pack order) are compared masked. Each tool also reads the other's replicas.
 */
class SeedScenarioDifferentialTest {
    static final String ITEMS = "^df9a00d3a2c7d498c502519a042141e1da9d681b8fb8f9bdb809ac6b375a6419";

    @TempDir
    Path tmp;

    private Path file(String name) throws IOException {
        Path p = tmp.resolve(name);
        try (InputStream in = getClass().getResourceAsStream("/seed/" + name)) {
            Files.write(p, in.readAllBytes());
        }
        return p;
    }

    /** One world per tool: the same commands, the tool's own replicas. */
    private record World(String alice, String bob, BiFunction<Path, String[], String> tool) {
        String run(Path work, String... args) {
            return tool.apply(work, args);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"file", "file+flate"})
    void seedScenarioMatchesLibmeldaTools(String scheme) throws IOException {
        Path v1 = file("v1.json");
        Path v2 = file("v2.json");
        Path a3 = file("alice3.json");
        Path b3 = file("bob3.json");
        World m = new World(url(scheme, tmp.resolve("m/alice")), url(scheme, tmp.resolve("m/bob")), (w, a) -> meldaOk(w, a));
        World j = new World(url(scheme, tmp.resolve("j/alice")), url(scheme, tmp.resolve("j/bob")), (w, a) -> oursOk(a));
        World[] worlds = {m, j};

        String[] out = new String[2];
        for (int i = 0; i < 2; i++) {
            World w = worlds[i];
            out[i] = w.run(tmp, "update", "-t", w.alice(), "-j", v1.toString(), "-a", "Alice", "-d", "First commit")
                    + w.run(tmp, "update", "--target", w.alice(), "--jsonfile", v2.toString(), "--author", "Alice", "--description", "Add buy milk");
        }
        assertThat(out[1]).matches("(Committed block [0-9a-f]{64}\n){2}");
        assertThat(maskIds(out[1])).isEqualTo(maskIds(out[0]));
        // our packs are sorted by digest, so our ids are deterministic: the spec's first block (§1.4)
        assertThat(out[1].lines().toList().get(0)).isEqualTo("Committed block be12db727e6cf83bc21790244ea3c378e82ee38380c866f11bb03ebf8a4bc746");

        for (int i = 0; i < 2; i++) {
            World w = worlds[i];
            out[i] = w.run(tmp, "meld", "-s", w.alice(), "-t", w.bob());
        }
        assertThat(sortedDebugList(out[1])).hasSize(4).allMatch(k -> k.matches("\"[0-9a-f]{64}\\.(delta|pack)\""));
        assertThat(maskedSorted(out[1])).isEqualTo(maskedSorted(out[0]));

        same(worlds, "read", "-s", "B");
        for (int i = 0; i < 2; i++) {
            World w = worlds[i];
            out[i] = w.run(tmp, "update", "-t", w.alice(), "-j", a3.toString(), "-a", "Alice", "-d", "Alice edit")
                    + w.run(tmp, "update", "-t", w.bob(), "-j", b3.toString(), "-a", "Bob", "-d", "Bob edit");
        }
        assertThat(maskIds(out[1])).isEqualTo(maskIds(out[0]));
        for (int i = 0; i < 2; i++) {
            World w = worlds[i];
            w.run(tmp, "meld", "-s", w.bob(), "-t", w.alice());
            w.run(tmp, "meld", "--source", w.alice(), "--target", w.bob());
        }
        String read = same(worlds, "read", "-s", "A");
        assertThat(read).isEqualTo("{\"_id\":\"√\",\"items♭\":[{\"_id\":\"bob_todo_01\",\"title\":\"Call mom\"},"
                + "{\"_id\":\"bob_todo_02\",\"title\":\"Fix bike\"},{\"_id\":\"alice_todo_02\",\"description\":\"Before Friday\","
                + "\"title\":\"Take out trash\"}],\"software\":\"MeldaDo\",\"version\":\"1.0.0\"}\n");
        assertThat(same(worlds, "read", "-s", "B")).isEqualTo(read);
        String conflicts = same(worlds, "conflicts", "-s", "A");
        assertThat(conflicts).isEqualTo(ITEMS + ":\n"
                + "\t🏆 3-dd6f756454dc5febeefb3672dc44cc7defabd752610a90667013311a5b9c03c4_dd8b9d1: {\"a\":[[\"d\",1,0],[\"i\",0,[\"alice_todo_02\"]]]}\n"
                + "\t🗲 3-40458411a6731662927ca1165f8e68dd0dbdfcbcb5841717ed3a6c0b605e4ec0_dd8b9d1: {\"a\":[[\"i\",1,[\"bob_todo_01\",\"bob_todo_02\"]]]}\n");
        assertThat(same(worlds, "conflicts", "--source", "B")).isEqualTo(conflicts);
        same(worlds, "history", "-s", "A", "-o", ITEMS);
        same(worlds, "history", "-s", "A", "-o", "alice_todo_01");
        same(worlds, "value", "-s", "A", "-o", "alice_todo_01");
        same(worlds, "value", "-s", "A", "-o", ITEMS, "-r", "3-40458411a6731662927ca1165f8e68dd0dbdfcbcb5841717ed3a6c0b605e4ec0_dd8b9d1");
        same(worlds, "value", "-s", "A", "-o", "√");
        crossRead(worlds, "A");

        String resolved = same(worlds, "resolve", "-t", "A");
        assertThat(resolved).isEqualTo(ITEMS + " resolved as 4-8738a8486804a39ec43d7d8d3136a37a3d6989840b5e0d45b9d655451d41792a_593df92"
                + " (previous: 3-dd6f756454dc5febeefb3672dc44cc7defabd752610a90667013311a5b9c03c4_dd8b9d1)\nCommitted changes\n");
        assertThat(same(worlds, "read", "-s", "A")).isEqualTo(read);
        assertThat(same(worlds, "conflicts", "-s", "A")).isEmpty();
        assertThat(same(worlds, "value", "-s", "A", "-o", ITEMS)).isEqualTo("{\"a\":[[\"i\",0,[\"alice_todo_01\",\"bob_todo_01\",\"bob_todo_02\"]]]}\n");
        same(worlds, "history", "-s", "A", "-o", ITEMS);
        // nothing left to resolve: still "Committed changes", and no new block
        assertThat(same(worlds, "resolve", "-t", "A")).isEqualTo("Committed changes\n");
        crossRead(worlds, "A");
        for (World w : worlds) {
            w.run(tmp, "meld", "-s", w.alice(), "-t", w.bob());
        }
        assertThat(same(worlds, "read", "-s", "B")).isEqualTo(read);
        assertThat(same(worlds, "conflicts", "-s", "B")).isEmpty();
        crossRead(worlds, "B");

        // melding back gives Alice nothing new but the logs still agree (5 blocks)
        for (World w : worlds) {
            w.run(tmp, "meld", "-s", w.bob(), "-t", w.alice());
        }
        assertThat(mask(worlds, "log", "-s", "A")).hasSize(5);
    }

    /** Runs a read-only command in both worlds ("A"/"B" stand for the world's alice/bob URL); outputs must be identical. */
    private String same(World[] worlds, String... args) {
        String[] out = new String[worlds.length];
        for (int i = 0; i < worlds.length; i++) {
            out[i] = worlds[i].run(tmp, subst(worlds[i], args));
        }
        assertThat(out[1]).as("meldtown %s", Arrays.toString(args)).isEqualTo(out[0]);
        return out[0];
    }

    /** Log entries with ids masked, sorted (the BFS order depends on the ids). */
    private List<String> mask(World[] worlds, String... args) {
        List<String> first = null;
        for (World w : worlds) {
            List<String> entries = Arrays.stream(maskIds(w.run(tmp, subst(w, args))).split("(?=\\([AO-]\\) Block)")).sorted().toList();
            if (first == null) {
                first = entries;
            } else {
                assertThat(entries).isEqualTo(first);
            }
        }
        return first;
    }

    /** Each tool reads the other's replica: read, log, conflicts byte-identical with what the owner prints. */
    private void crossRead(World[] worlds, String which) {
        for (World owner : worlds) {
            String u = which.equals("A") ? owner.alice() : owner.bob();
            for (String verb : List.of("read", "log", "conflicts")) {
                assertThat(oursOk(verb, "-s", u)).as("meldtown %s on %s", verb, u).isEqualTo(meldaOk(tmp, verb, "-s", u));
            }
        }
    }

    private static String[] subst(World w, String[] args) {
        String[] a = args.clone();
        for (int i = 1; i < a.length; i++) {
            if (a[i - 1].startsWith("-") && (a[i - 1].equals("-s") || a[i - 1].equals("-t") || a[i - 1].equals("--source") || a[i - 1].equals("--target"))) {
                a[i] = a[i].equals("A") ? w.alice() : a[i].equals("B") ? w.bob() : a[i];
            }
        }
        return a;
    }

    static List<String> sortedDebugList(String debug) {
        String s = debug.strip();
        assertThat(s).startsWith("[").endsWith("]");
        s = s.substring(1, s.length() - 1);
        return s.isEmpty() ? List.of() : Arrays.stream(s.split(", ")).sorted().toList();
    }

    static List<String> maskedSorted(String debug) {
        return sortedDebugList(maskIds(debug));
    }
}
