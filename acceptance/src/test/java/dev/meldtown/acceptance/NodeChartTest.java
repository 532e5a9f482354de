package dev.meldtown.acceptance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meldtown.testkit.Processes;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Issue 9 item 4: the chart's pods run for real. {@code scripts/k8s/node.sh} starts a one-node Kubernetes 1.36.3 cluster
 * on this machine (etcd, API server, scheduler, controller-manager, containerd with runc, bridge CNI, kubelet,
 * kube-proxy, CoreDNS; no Docker, no registry), a restricted pod reaches a Service by its DNS name, and
 * {@code scripts/k8s/node-chart.sh} imports the project's images, installs the chart with {@code values-dev.yaml}
 * (in-cluster Kafka with SCRAM, S3Proxy, Dolt hub) into a namespace enforcing Pod Security {@code restricted} without a
 * warning, and runs {@code helm test} (readiness of the three services, one commit and read through the hub).
 * Tagged {@code images}: it needs the service images the {@code images} profile builds.
 */
@NeedsTools("node-tools")
@Tag("images")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class NodeChartTest {

    @Test
    @Order(1)
    void aRestrictedPodOnTheRealNodeReachesAServiceByItsDnsName() {
        step("scripts/k8s/node.sh", "up");
        Processes.Result smoke = step("scripts/k8s/node-smoke.sh");
        assertThat(smoke.stdout() + smoke.stderr()).contains("1 passed, 0 failed");
    }

    @Test
    @Order(2)
    void theChartWithDevelopmentValuesInstallsWithoutWarningsAndHelmTestPasses() {
        Processes.Result chart = step("scripts/k8s/node-chart.sh");
        String out = chart.stdout() + chart.stderr();
        assertThat(out).contains("node-chart: 1 passed, 0 failed");
        for (String suite : List.of("ready", "commit-and-read")) {
            assertThat(out).as("helm test suite " + suite).containsPattern("TEST SUITE:\\s+\\S*" + suite + "[\\s\\S]*?Phase:\\s+Succeeded");
        }
    }

    @AfterAll
    static void down() {
        run("scripts/k8s/node-chart.sh", "uninstall");
        run("scripts/k8s/node.sh", "down");
    }

    static Processes.Result step(String... command) {
        long t0 = System.nanoTime();
        Processes.Result r = run(command);
        System.out.printf("[node] %s took %.1f s%n", String.join(" ", command), (System.nanoTime() - t0) / 1e9);
        assertThat(r.exitCode()).as("%s failed:%n%s%n%s", String.join(" ", command), r.stdout(), r.stderr()).isZero();
        return r;
    }

    static Processes.Result run(String... command) {
        List<String> argv = new java.util.ArrayList<>(List.of(command));
        argv.set(0, LocalStack.ROOT.resolve(command[0]).toString());
        return Processes.exec(new ProcessBuilder(argv).directory(LocalStack.ROOT.toFile()), Duration.ofMinutes(20));
    }
}
