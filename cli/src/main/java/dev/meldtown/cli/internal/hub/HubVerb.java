package dev.meldtown.cli.internal.hub;

import com.fasterxml.jackson.databind.JsonNode;
import dev.meldtown.cli.internal.Verb;
import dev.meldtown.crdt.CanonicalJson;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * Base of the hub verbs: {@code --tenant} and {@code --json}, the {@link Hub} from the environment, a table by
 * default. Exit codes: 0 done, 1 the hub could not be asked or refused (one line: service, address, status or
 * cause), 2 usage (no token, no address), 4 a sync ran and failed (the line names the error category).
 */
public abstract class HubVerb extends Verb {
    /** A sync (or a sync of a round) ran and failed; the error line names its category. */
    public static final int EXIT_SYNC_FAILED = 4;

    @Option(names = "--tenant", paramLabel = "<TENANT>", description = "the tenant (default: the tenant claim of $MELDTOWN_TOKEN)")
    String tenant;

    @Option(names = "--json", description = "print the service's JSON answer instead of a table")
    protected boolean json;

    @Option(names = "--timeout", paramLabel = "<SECONDS>", defaultValue = "120", description = "how long to wait for an answer (default: ${DEFAULT-VALUE} s)")
    int timeoutSeconds;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Print help information")
    boolean help;

    private Map<String, String> environment = System.getenv();

    /** The environment the verb reads its addresses and token from (the process's by default). */
    public void useEnvironment(Map<String, String> env) {
        this.environment = Map.copyOf(env);
    }

    protected Hub hub() {
        return new Hub(prefix(), environment, tenant, Duration.ofSeconds(Math.max(1, timeoutSeconds)));
    }

    /** Prints the JSON answer (canonical, one line) when {@code --json}, else the table. */
    protected void print(JsonNode answer, List<String> headers, List<List<String>> rows) {
        if (json) {
            println(CanonicalJson.write(answer));
        } else {
            table(headers, rows);
        }
    }

    /** A plain table: columns padded to their widest cell, two spaces apart, no trailing spaces. */
    protected void table(List<String> headers, List<List<String>> rows) {
        int[] w = new int[headers.size()];
        List<List<String>> all = new ArrayList<>();
        all.add(headers);
        all.addAll(rows);
        for (List<String> r : all) {
            for (int i = 0; i < w.length; i++) {
                w[i] = Math.max(w[i], r.get(i).codePointCount(0, r.get(i).length()));
            }
        }
        for (List<String> r : all) {
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < w.length; i++) {
                String c = r.get(i);
                b.append(c);
                if (i < w.length - 1) {
                    b.append(" ".repeat(w[i] - c.codePointCount(0, c.length()) + 2));
                }
            }
            println(b.toString().stripTrailing());
        }
    }

    /** A cell: text as is, null as "-", anything else as compact JSON. */
    protected static String cell(JsonNode n) {
        if (n == null || n.isNull() || n.isMissingNode()) {
            return "-";
        }
        return n.isValueNode() ? n.asText() : CanonicalJson.write(n);
    }

    /** {@code category: message} of a SyncResult's {@code error} or {@code pushError}, or null. */
    protected static String failure(JsonNode result) {
        for (String f : List.of("error", "pushError")) {
            JsonNode e = result.path(f);
            if (e.isObject()) {
                return (f.equals("pushError") ? "push " : "") + e.path("category").asText("internal") + ": " + oneLine(e.path("message").asText(""));
            }
        }
        return null;
    }
}
