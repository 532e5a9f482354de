package dev.meldtown.acceptance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.meldtown.testkit.Processes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The dashboard and the alert rules kept with the chart ({@code deploy/helm/meldtown/monitoring/}), as tests read
 * them: the PromQL expressions of the dashboard's panels, of the rule file, and of the PrometheusRule the chart renders
 * (through the real helm), the metric names those expressions select, and promtool to check rule files.
 */
final class MonitoringFiles {
    static final Path DIR = LocalStack.ROOT.resolve("deploy/helm/meldtown/monitoring");
    static final Path DASHBOARD = DIR.resolve("dashboard.json");
    static final Path ALERTS = DIR.resolve("alerts.yaml");
    static final ObjectMapper JSON = new ObjectMapper();
    static final YAMLMapper YAML = new YAMLMapper();

    /** PromQL words that are not metric names. */
    private static final Set<String> KEYWORDS = Set.of("by", "without", "on", "ignoring", "group_left", "group_right",
            "and", "or", "unless", "offset", "bool", "inf", "nan");
    private static final Pattern IDENTIFIER = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");

    private MonitoringFiles() {
    }

    /** Every {@code expr} of the dashboard's panel targets. */
    static List<String> dashboardExprs() throws IOException {
        List<String> out = new ArrayList<>();
        for (JsonNode panel : JSON.readTree(DASHBOARD.toFile()).path("panels")) {
            for (JsonNode target : panel.path("targets")) {
                out.add(target.path("expr").asText());
            }
        }
        return out;
    }

    /** Every rule's {@code expr} in a Prometheus rule file ({@code groups: [{rules: [...]}]}). */
    static List<String> ruleExprs(JsonNode ruleFile) {
        List<String> out = new ArrayList<>();
        for (JsonNode group : ruleFile.path("groups")) {
            for (JsonNode rule : group.path("rules")) {
                out.add(rule.path("expr").asText());
            }
        }
        return out;
    }

    static JsonNode alerts() throws IOException {
        return YAML.readTree(ALERTS.toFile());
    }

    /**
     * The rule file inside the PrometheusRule that {@code helm template} renders with values-prod.yaml (where the
     * rules are on): {@code {"groups": spec.groups}}.
     */
    static ObjectNode renderedRules() throws IOException {
        Path helm = Path.of(shell("source scripts/lib.sh >/dev/null; echo \"$KUBE_BIN/helm\"").strip());
        Path chart = LocalStack.ROOT.resolve("deploy/helm/meldtown");
        var rendered = Processes.exec(new ProcessBuilder(helm.toString(), "template", "meldtown", chart.toString(),
                "--namespace", "meldtown-prod", "-f", chart.resolve("values-prod.yaml").toString(),
                "--show-only", "templates/monitoring.yaml").directory(LocalStack.ROOT.toFile()), Duration.ofMinutes(2));
        if (rendered.exitCode() != 0) {
            throw new IllegalStateException("helm template failed: " + rendered.stderr());
        }
        try (var parser = new YAMLFactory().createParser(rendered.stdout())) {
            for (JsonNode doc : YAML.readValues(parser, JsonNode.class).readAll()) {
                if (doc != null && "PrometheusRule".equals(doc.path("kind").asText())) {
                    ObjectNode file = JSON.createObjectNode();
                    file.set("groups", doc.path("spec").path("groups"));
                    return file;
                }
            }
        }
        throw new IllegalStateException("no PrometheusRule in the rendered chart:\n" + rendered.stdout());
    }

    /**
     * The metric names a PromQL expression selects: what is left once strings, label matchers, ranges and
     * grouping clauses are taken out, and that is not a function (followed by a parenthesis) or a keyword.
     */
    static Set<String> metricNames(Collection<String> exprs) {
        Set<String> names = new TreeSet<>();
        for (String expr : exprs) {
            String e = expr.replaceAll("\"(?:[^\"\\\\]|\\\\.)*\"", "\"\"")
                    .replaceAll("\\{[^}]*}", " ")
                    .replaceAll("\\[[^]]*]", " ")
                    .replaceAll("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", " ");
            Matcher m = IDENTIFIER.matcher(e);
            while (m.find()) {
                String word = m.group();
                int after = m.end();
                while (after < e.length() && Character.isWhitespace(e.charAt(after))) {
                    after++;
                }
                boolean function = after < e.length() && e.charAt(after) == '(';
                boolean number = m.start() > 0 && (Character.isDigit(e.charAt(m.start() - 1)) || e.charAt(m.start() - 1) == '.');
                if (!function && !number && !KEYWORDS.contains(word.toLowerCase())) {
                    names.add(word);
                }
            }
        }
        return names;
    }

    /**
     * rulecheck, {@code promtool check rules} over Prometheus's own {@code model/rulefmt}, installed by
     * scripts/install/rulecheck.sh (idempotent; the script prints the binary's path).
     */
    private static Path rulecheck() {
        return installed("bash scripts/install/rulecheck.sh");
    }

    /** The real promtool binary, from Debian's prometheus package (Prometheus 2.42), by scripts/install/promtool.sh. */
    private static Path promtool() {
        return installed("bash scripts/install/promtool.sh");
    }

    /** Both rule checkers: a current Prometheus's parser (rulecheck) and an older release's promtool. */
    static List<Path> ruleCheckers() {
        return List.of(rulecheck(), promtool());
    }

    private static Path installed(String installer) {
        List<String> lines = shell(installer).lines().toList();
        return Path.of(lines.get(lines.size() - 1).strip());
    }

    /** {@code promtool check rules FILE}. */
    static Processes.Result checkRules(Path promtool, Path file) {
        return Processes.exec(new ProcessBuilder(promtool.toString(), "check", "rules", file.toString()), Duration.ofMinutes(1));
    }

    /** Writes {@code rules} to a YAML file in {@code dir}. */
    static Path write(Path dir, String name, JsonNode rules) {
        try {
            Path f = dir.resolve(name);
            YAML.writeValue(f.toFile(), rules);
            return f;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String shell(String script) {
        var r = Processes.exec(new ProcessBuilder("bash", "-c", script).directory(LocalStack.ROOT.toFile()), Duration.ofMinutes(30));
        if (r.exitCode() != 0) {
            throw new IllegalStateException("'" + script + "' failed (" + r.exitCode() + "): " + r.stderr());
        }
        return r.stdout();
    }
}
