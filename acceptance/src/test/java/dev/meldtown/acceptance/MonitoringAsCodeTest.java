package dev.meldtown.acceptance;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15 item 5, the static half: the Grafana dashboard and the alert rules kept with the chart
 * ({@code deploy/helm/meldtown/monitoring/}) parse, cover what an operator needs, and pass {@code promtool check rules}
 * with two checkers, Prometheus 3.16's {@code model/rulefmt} (rulecheck, built from the Go module proxy by
 * scripts/install/rulecheck.sh) and the promtool binary of Debian's Prometheus 2.42 (scripts/install/promtool.sh), both as the plain rule
 * file and as the PrometheusRule the chart renders. That every metric they name is exported by a running service is
 * checked against a real stack in {@link StackTest}.
 */
@NeedsTools("kube") // helm template renders the rules
class MonitoringAsCodeTest {
    static List<Path> checkers;

    @BeforeAll
    static void install() {
        checkers = MonitoringFiles.ruleCheckers();
    }

    @Test
    void theDashboardParsesAndShowsEveryAlertedConcern() throws Exception {
        JsonNode dashboard = MonitoringFiles.JSON.readTree(MonitoringFiles.DASHBOARD.toFile());
        assertThat(dashboard.path("uid").asText()).isNotBlank();
        assertThat(dashboard.path("panels").size()).isGreaterThanOrEqualTo(10);
        List<String> exprs = MonitoringFiles.dashboardExprs();
        assertThat(exprs).doesNotContain("");
        assertThat(MonitoringFiles.metricNames(exprs)).contains(
                "meldtown_merge_consumer_lag", "meldtown_merge_events_total", "meldtown_sync_requests_dropped_total",
                "meldtown_merge_meld_duration_seconds", "meldtown_sync_syncs_total", "meldtown_s3_operations_seconds_count",
                "meldtown_outbox_backlog", "meldtown_sync_peer_behind", "meldtown_sync_peer_ahead",
                "meldtown_sync_scheduler_backoff_pairs", "meldtown_sync_lock_wait_seconds_bucket");
    }

    @Test
    void theRuleFilePassesPromtool() throws Exception {
        int rules = MonitoringFiles.ruleExprs(MonitoringFiles.alerts()).size();
        for (Path promtool : checkers) {
            var result = MonitoringFiles.checkRules(promtool, MonitoringFiles.ALERTS);
            assertThat(result.exitCode()).as(promtool + ": " + result.stdout() + result.stderr()).isZero();
            assertThat(result.stdout() + result.stderr()).as(promtool.toString()).contains("SUCCESS: " + rules + " rules found");
        }
        assertThat(MonitoringFiles.metricNames(MonitoringFiles.ruleExprs(MonitoringFiles.alerts()))).contains(
                "meldtown_merge_meld_duration_seconds", "meldtown_sync_syncs_total", "meldtown_s3_operations_seconds_count",
                "meldtown_outbox_backlog");
    }

    @Test
    void theChartsPrometheusRulePassesPromtoolAndHoldsEveryAlert(@TempDir Path dir) throws Exception {
        JsonNode rendered = MonitoringFiles.renderedRules();
        Path file = MonitoringFiles.write(dir, "rendered.yaml", rendered);
        for (Path promtool : checkers) {
            var result = MonitoringFiles.checkRules(promtool, file);
            assertThat(result.exitCode()).as(promtool + ": " + result.stdout() + result.stderr()).isZero();
        }
        List<String> alerts = new ArrayList<>();
        rendered.path("groups").forEach(g -> g.path("rules").forEach(r -> alerts.add(r.path("alert").asText())));
        // consumer lag, dead letters, meld p99, sync failures by category, S3 errors, outbox backlog (issue 15)
        assertThat(alerts).contains("MeldtownMergeLagHigh", "MeldtownDeadLettersGrowing", "MeldtownSyncRequestsDeadLettered",
                "MeldtownMeldSlow", "MeldtownSyncFailing", "MeldtownS3Errors", "MeldtownOutboxBacklog");
        List<String> fromFile = new ArrayList<>();
        MonitoringFiles.alerts().path("groups").forEach(g -> g.path("rules").forEach(r -> fromFile.add(r.path("alert").asText())));
        assertThat(alerts).containsAll(fromFile);
    }

    /** The check is real: promtool refuses an expression that does not parse and a rule without a name. */
    @Test
    void promtoolRefusesABrokenRule(@TempDir Path dir) throws Exception {
        JsonNode broken = MonitoringFiles.YAML.readTree("groups:\n  - name: broken\n    rules:\n"
                + "      - alert: Unbalanced\n        expr: sum(rate(meldtown_sync_syncs_total[5m])\n");
        Path file = MonitoringFiles.write(dir, "broken.yaml", broken);
        for (Path promtool : checkers) {
            var result = MonitoringFiles.checkRules(promtool, file);
            assertThat(result.exitCode()).as(promtool.toString()).isNotZero();
            assertThat(result.stdout() + result.stderr()).as(promtool.toString()).contains("FAILED");
        }
    }

    @Test
    void metricNamesAreReadOutOfExpressions() {
        assertThat(MonitoringFiles.metricNames(List.of(
                "histogram_quantile(0.99, sum by (le, operation) (rate(meldtown_sync_duration_seconds_bucket{namespace=~\"$namespace\"}[$__rate_interval])))",
                "sum(up{service=\"x\"}) == 0 or absent(up{service=\"x\"})",
                "a_total / on (pod) group_left b_info > 0.5")))
                .isEqualTo(Set.of("meldtown_sync_duration_seconds_bucket", "up", "a_total", "b_info"));
    }
}
