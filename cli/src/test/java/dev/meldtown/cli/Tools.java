package dev.meldtown.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meldtown.testkit.MeldaTools;
import dev.meldtown.testkit.Processes;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Pattern;

/** Runs both tools: ours in-process as bin/meldtown does (Main.run: the fast path, else picocli), libmelda-tools as a process (which may panic or hang). */
final class Tools {
    static final Pattern HEX64 = Pattern.compile("[0-9a-f]{64}");
    private static MeldaTools melda;

    private Tools() {
    }

    /** Exit code and captured output; {@code hung} when libmelda-tools did not finish in time. */
    record Out(int code, String out, String err, boolean hung) {
        boolean ok() {
            return code == 0 && !hung;
        }

        /** libmelda-tools panicked (Rust exit code 101) or hung. */
        boolean crashed() {
            return hung || code == 101;
        }

        String firstErrLine() {
            String e = err.strip();
            int nl = e.indexOf('\n');
            String head = nl < 0 ? e : e.substring(0, nl);
            // a panic's message is on the line after "thread 'main' panicked at …"
            if (head.startsWith("thread ") && nl >= 0) {
                String rest = e.substring(nl + 1);
                int nl2 = rest.indexOf('\n');
                return head.replaceAll("\\(\\d+\\) ", "") + " " + (nl2 < 0 ? rest : rest.substring(0, nl2));
            }
            return head;
        }
    }

    /** Our CLI, in-process. Failures must be exactly one stderr line and never a stack trace. */
    static Out ours(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code;
        try (PrintWriter o = new PrintWriter(out); PrintWriter e = new PrintWriter(err)) {
            code = Main.run(args, o, e); // the fast path where it applies, as bin/meldtown runs it
        }
        Out o = new Out(code, out.toString(), err.toString(), false);
        assertThat(o.err()).as("stderr of meldtown %s", String.join(" ", args)).doesNotContain("\tat ").doesNotContain("Exception:");
        if (code != 0) {
            assertThat(o.err()).as("stderr of failing meldtown %s", String.join(" ", args)).isNotBlank().endsWith("\n");
            assertThat(o.err().strip()).as("one line").doesNotContain("\n");
        }
        return o;
    }

    /** Our CLI, which must succeed. */
    static String oursOk(String... args) {
        Out o = ours(args);
        assertThat(o.code()).as("meldtown %s failed: %s", String.join(" ", args), o.err()).isZero();
        return o.out();
    }

    static MeldaTools meldaTools() {
        if (melda == null) {
            melda = MeldaTools.locate();
        }
        return melda;
    }

    /** libmelda-tools with a timeout; a hang is reported, not thrown. */
    static Out melda(Path workDir, Duration timeout, String... args) {
        try {
            Processes.Result r = meldaTools().run(workDir, timeout, args);
            return new Out(r.exitCode(), r.stdout(), r.stderr(), false);
        } catch (IllegalStateException e) {
            if (String.valueOf(e.getMessage()).startsWith("timed out")) {
                return new Out(-1, "", "hung: no answer within " + timeout, true);
            }
            throw e;
        }
    }

    static Out melda(Path workDir, String... args) {
        return melda(workDir, Duration.ofSeconds(30), args);
    }

    /** libmelda-tools, which must succeed. */
    static String meldaOk(Path workDir, String... args) {
        Out o = melda(workDir, args);
        assertThat(o.code()).as("libmelda-tools %s failed: %s", String.join(" ", args), o.err()).isZero();
        return o.out();
    }

    /** Replaces every 64-hex id by {@code <H>}: block and pack ids depend on Melda's random pack order. */
    static String maskIds(String s) {
        return HEX64.matcher(s).replaceAll("<H>");
    }

    static String url(String scheme, Path dir) {
        return scheme + "://" + dir.toAbsolutePath();
    }
}
