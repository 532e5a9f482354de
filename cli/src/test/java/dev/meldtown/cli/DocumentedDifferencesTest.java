package dev.meldtown.cli;

import static dev.meldtown.cli.Tools.melda;
import static dev.meldtown.cli.Tools.ours;
import static dev.meldtown.cli.Tools.url;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The differential harness's list of deliberate differences (cli/README.md, "Deliberate differences from
 * libmelda-tools"): a source replica that does not exist. libmelda-tools creates the directory and answers as for
 * an empty replica (exit 0, or a panic, or exit 3); ours exits 1 with one line naming the path and creates
 * nothing. Each row runs both tools, so a change on either side shows here. Normal output is compared byte for
 * byte by the other differential tests.
 */
class DocumentedDifferencesTest {
    @TempDir
    Path tmp;

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        // verb and arguments after the URL | libmelda-tools' exit code | its stdout | our error line (after the prefix)
        "log         |   0 | ''                  | no replica at",
        "conflicts   |   0 | ''                  | no replica at",
        "meld        |   0 | '[]\n'              | no replica at",
        "resolve     |   0 | 'Committed changes\n' | no replica at",
        "read        | 101 | ''                  | no replica at",
        "history -o x|   3 | ''                  | no replica at",
        "value -o x  |   3 | ''                  | no replica at",
    })
    void aMissingSourceIsAnErrorForUsWhereLibmeldaToolsAnswersAsIfEmpty(String verbAndArgs, int theirCode, String theirOut, String ourError) {
        String[] words = verbAndArgs.trim().split("\\s+");
        String verb = words[0];
        String flag = verb.equals("resolve") ? "-t" : "-s";
        String theirs = url("file", tmp.resolve("theirs-missing"));
        String mine = url("file", tmp.resolve("ours-missing"));

        Tools.Out m = melda(tmp, args(words, flag, theirs, tmp.resolve("theirs-target")));
        assertThat(m.code()).as("libmelda-tools %s: %s", verbAndArgs, m.err()).isEqualTo(theirCode);
        assertThat(m.out()).isEqualTo(theirOut.replace("\\n", "\n"));

        Tools.Out o = ours(args(words, flag, mine, tmp.resolve("ours-target")));
        assertThat(o.code()).isEqualTo(1);
        assertThat(o.out()).isEmpty();
        assertThat(o.err()).startsWith("meldtown " + verb + ": " + ourError + " " + mine + ": ").endsWith(" does not exist\n");
        assertThat(tmp.resolve("ours-missing")).doesNotExist();
        assertThat(tmp.resolve("ours-target")).doesNotExist();
    }

    private static String[] args(String[] words, String flag, String url, Path meldTarget) {
        java.util.List<String> a = new java.util.ArrayList<>();
        a.add(words[0]);
        a.add(flag);
        a.add(url);
        for (int i = 1; i < words.length; i++) {
            a.add(words[i]);
        }
        if (words[0].equals("meld")) {
            a.add("-t");
            a.add("file://" + meldTarget.toAbsolutePath());
        }
        return a.toArray(String[]::new);
    }
}
