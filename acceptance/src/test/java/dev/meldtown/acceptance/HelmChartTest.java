package dev.meldtown.acceptance;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.meldtown.events.Topics;
import dev.meldtown.testkit.Processes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The Helm chart deploy/helm/meldtown: each step of scripts/k8s/chart-checks.sh (lint, template, kubernetes-validate,
 * checkov, kube-score, a real API server with the CRDs, helm install with no warning under Pod Security
 * {@code restricted}, the custom resources stored through their CRD schemas, an upgrade that rolls the pods), and the
 * behaviour of the rendered objects.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HelmChartTest {
    static final Path ROOT = StackTest.ROOT;
    static final Path CHART = ROOT.resolve("deploy/helm/meldtown");
    static final Path OUT = ROOT.resolve("target/chart-checks");
    static final ObjectMapper YAML = new YAMLMapper();
    static final List<String> SERVICES = List.of("block-store-service", "merge-service", "sync-orchestrator");

    @Test
    @Order(1)
    void lintPassesWithBothValuesFiles() {
        step("lint");
    }

    @Test
    @Order(2)
    void templateRendersBothValuesFiles() throws Exception {
        step("template");
        assertThat(documents("dev")).isNotEmpty();
        assertThat(documents("prod")).isNotEmpty();
    }

    @Test
    @Order(3)
    void everyPodRunsUnderTheRestrictedProfileWithBoundedResources() throws Exception {
        int pods = 0;
        for (String values : List.of("dev", "prod")) {
            for (JsonNode doc : documents(values)) {
                JsonNode pod = podSpec(doc);
                if (pod == null) {
                    continue;
                }
                pods++;
                String what = values + " " + doc.path("kind").asText() + " " + doc.at("/metadata/name").asText();
                assertThat(pod.path("automountServiceAccountToken").asBoolean(true)).as(what).isFalse();
                assertThat(pod.at("/securityContext/runAsNonRoot").asBoolean()).as(what).isTrue();
                assertThat(pod.at("/securityContext/runAsUser").asInt()).as(what).isGreaterThanOrEqualTo(10000);
                assertThat(pod.at("/securityContext/runAsGroup").asInt()).as(what).isGreaterThanOrEqualTo(10000);
                assertThat(pod.at("/securityContext/seccompProfile/type").asText()).as(what).isEqualTo("RuntimeDefault");
                for (JsonNode c : pod.path("containers")) {
                    JsonNode sc = c.path("securityContext");
                    assertThat(sc.path("allowPrivilegeEscalation").asBoolean(true)).as(what).isFalse();
                    assertThat(sc.path("readOnlyRootFilesystem").asBoolean()).as(what).isTrue();
                    assertThat(sc.at("/capabilities/drop").toString()).as(what).isEqualTo("[\"ALL\"]");
                    assertThat(sc.at("/seccompProfile/type").asText()).as(what).isEqualTo("RuntimeDefault");
                    assertThat(c.findValuesAsText("mountPath")).as(what + ": a writable /tmp").contains("/tmp");
                    for (String kind : List.of("requests", "limits")) {
                        assertThat(c.at("/resources/" + kind + "/memory").isMissingNode()).as(what + " memory " + kind).isFalse();
                        assertThat(c.at("/resources/" + kind + "/ephemeral-storage").isMissingNode()).as(what + " ephemeral-storage " + kind).isFalse();
                    }
                }
                JsonNode tmp = volume(pod, "tmp");
                assertThat(tmp.has("emptyDir")).as(what).isTrue();
            }
        }
        // 3 services, Kafka, S3Proxy, Dolt hub, the setup Job, 2 test pods (dev); 3 services, setup Job, 2 test pods (prod)
        assertThat(pods).isEqualTo(15);
    }

    @Test
    @Order(3)
    void servicesProbeTheQuarkusHealthChecksSpreadAndRollOnConfigChanges() throws Exception {
        for (String values : List.of("dev", "prod")) {
            List<JsonNode> docs = documents(values);
            for (String service : SERVICES) {
                JsonNode deployment = find(docs, "Deployment", "meldtown-" + service);
                JsonNode c = deployment.at("/spec/template/spec/containers/0");
                assertThat(c.at("/startupProbe/httpGet/path").asText()).isEqualTo("/q/health/started");
                assertThat(c.at("/readinessProbe/httpGet/path").asText()).isEqualTo("/q/health/ready");
                assertThat(c.at("/livenessProbe/httpGet/path").asText()).isEqualTo("/q/health/live");
                assertThat(c.at("/ports/0/containerPort").asInt()).isEqualTo(8080);
                assertThat(c.path("image").asText()).isEqualTo("localhost/meldtown/" + service + ":0.1.0");
                assertThat(deployment.at("/spec/template/metadata/annotations/checksum~1config").asText()).matches("[0-9a-f]{64}");
                assertThat(deployment.at("/spec/template/spec/topologySpreadConstraints").findValuesAsText("topologyKey"))
                        .contains("kubernetes.io/hostname", "topology.kubernetes.io/zone");
                assertThat(find(docs, "PodDisruptionBudget", "meldtown-" + service).at("/spec/selector/matchLabels"))
                        .isEqualTo(deployment.at("/spec/selector/matchLabels"));
                JsonNode svc = find(docs, "Service", "meldtown-" + service);
                assertThat(svc.at("/spec/selector")).isEqualTo(deployment.at("/spec/selector/matchLabels"));
                assertThat(find(docs, "ServiceAccount", "meldtown-" + service).path("automountServiceAccountToken").asBoolean(true)).isFalse();
            }
            assertThat(find(docs, "Deployment", "meldtown-sync-orchestrator").at("/spec/replicas").asInt()).isEqualTo(2);
            // the HPA owns block-store's replica count
            assertThat(find(docs, "Deployment", "meldtown-block-store-service").at("/spec/replicas").isMissingNode()).isTrue();
            JsonNode hpa = find(docs, "HorizontalPodAutoscaler", "meldtown-block-store-service");
            assertThat(hpa.at("/spec/metrics/0/resource/name").asText()).isEqualTo("cpu");
        }
    }

    @Test
    @Order(3)
    void requiredValuesFailWithTheSettingToProvide() {
        List<String> args = new ArrayList<>();
        Map<String, String> failures = new java.util.LinkedHashMap<>();
        failures.put("jwt.issuer is required", "jwt.issuer=https://issuer.example");
        failures.put("jwt.publicKey or jwt.existingSecret is required", "jwt.existingSecret=jwt");
        failures.put("s3.endpoint is required", "s3.endpoint=https://s3.example");
        failures.put("s3.accessKey and s3.secretKey", "s3.existingSecret=s3");
        failures.put("kafka.bootstrap is required", "kafka.bootstrap=kafka:9092");
        failures.put("sync.secretKey or sync.existingSecret is required", "sync.existingSecret=sync");
        failures.put("tests.token or tests.existingTokenSecret is required", "tests.existingTokenSecret=token");
        for (var f : failures.entrySet()) {
            Processes.Result r = helm(Stream.concat(Stream.of("template", "meldtown", CHART.toString()), args.stream()).toList());
            assertThat(r.exitCode()).as(f.getKey()).isNotZero();
            assertThat(r.stderr()).contains(f.getKey());
            args.add("--set");
            args.add(f.getValue());
        }
        Processes.Result ok = helm(Stream.concat(Stream.of("template", "meldtown", CHART.toString()), args.stream()).toList());
        assertThat(ok.exitCode()).as(ok.stderr()).isZero();
    }

    @Test
    @Order(3)
    void theValuesSchemaRefusesMisspeltAndMistypedSettings() {
        List<String> prod = List.of("template", "meldtown", CHART.toString(), "-f", CHART.resolve("values-prod.yaml").toString());
        Processes.Result typo = helm(concat(prod, "--set", "blockStore.replicas=3"));
        assertThat(typo.exitCode()).isNotZero();
        assertThat(typo.stderr()).contains("values don't meet the specifications of the schema").contains("replicas");
        Processes.Result type = helm(concat(prod, "--set", "kafka.topics.partitions=0"));
        assertThat(type.exitCode()).isNotZero();
        assertThat(type.stderr()).contains("partitions");
        Processes.Result bucket = helm(concat(prod, "--set", "s3.bucket=Not_A_Bucket"));
        assertThat(bucket.exitCode()).isNotZero();
        assertThat(bucket.stderr()).contains("bucket");
    }

    @Test
    @Order(3)
    void kedaNeverScalesMergeServiceBeyondThePartitions() throws Exception {
        List<String> prod = List.of("template", "meldtown", CHART.toString(), "-f", CHART.resolve("values-prod.yaml").toString());
        Processes.Result tooMany = helm(concat(prod, "--set", "mergeService.keda.maxReplicaCount=13", "--set", "kafka.topics.partitions=12"));
        assertThat(tooMany.exitCode()).isNotZero();
        assertThat(tooMany.stderr()).contains("mergeService.keda.maxReplicaCount (13) exceeds kafka.topics.partitions (12)");

        Processes.Result fixedTooMany = helm(concat(prod, "--set", "mergeService.keda.enabled=false", "--set", "mergeService.replicaCount=4",
                "--set", "kafka.topics.partitions=3"));
        assertThat(fixedTooMany.exitCode()).isNotZero();
        assertThat(fixedTooMany.stderr()).contains("mergeService.replicaCount (4) exceeds kafka.topics.partitions (3)");

        Processes.Result equal = helm(concat(prod, "--set", "mergeService.keda.maxReplicaCount=12", "--set", "kafka.topics.partitions=12"));
        assertThat(equal.exitCode()).as(equal.stderr()).isZero();
        JsonNode scaled = find(parse(equal.stdout()), "ScaledObject", "meldtown-merge-service");
        assertThat(scaled.at("/spec/maxReplicaCount").asInt()).isEqualTo(12);
        assertThat(scaled.at("/spec/scaleTargetRef/name").asText()).isEqualTo("meldtown-merge-service");
        assertThat(scaled.at("/spec/triggers").findValuesAsText("topic")).containsExactlyInAnyOrder(Topics.BLOCKS, Topics.MERGES);
        assertThat(scaled.at("/spec/triggers").findValuesAsText("consumerGroup")).containsOnly("meldtown-merge");
        assertThat(find(parse(equal.stdout()), "KafkaTopic", Topics.BLOCKS).at("/spec/partitions").asInt()).isEqualTo(12);
    }

    @Test
    @Order(3)
    void networkPoliciesDenyByDefaultAndOpenOnlyTheSystemsFlows() throws Exception {
        for (String values : List.of("dev", "prod")) {
            List<JsonNode> docs = documents(values);
            JsonNode deny = find(docs, "NetworkPolicy", "meldtown-default-deny");
            assertThat(deny.at("/spec/policyTypes").toString()).isEqualTo("[\"Ingress\",\"Egress\"]");
            assertThat(deny.at("/spec/ingress").isMissingNode() && deny.at("/spec/egress").isMissingNode()).isTrue();
            assertThat(deny.at("/spec/podSelector/matchLabels/app.kubernetes.io~1instance").asText()).isEqualTo("meldtown");
            // every pod of the release has its own allow policy, and services accept nothing but 8080
            for (JsonNode doc : docs) {
                JsonNode pod = podSpec(doc);
                if (pod == null) {
                    continue;
                }
                String component = podLabels(doc).path("app.kubernetes.io/component").asText();
                long policies = docs.stream().filter(d -> d.path("kind").asText().equals("NetworkPolicy"))
                        .filter(d -> component.equals(d.at("/spec/podSelector/matchLabels/app.kubernetes.io~1component").asText())).count();
                assertThat(policies).as(values + " policy for " + component).isEqualTo(1);
            }
            for (String service : SERVICES) {
                JsonNode np = find(docs, "NetworkPolicy", "meldtown-" + service);
                assertThat(np.at("/spec/ingress").findValuesAsText("port")).containsOnly("8080");
                assertThat(np.at("/spec/egress").findValuesAsText("port")).contains("53");
            }
            // merge-service has no public API: the ingress controller cannot reach it
            assertThat(find(docs, "NetworkPolicy", "meldtown-merge-service").at("/spec/ingress").findValues("namespaceSelector").toString())
                    .doesNotContain("ingress-nginx");
        }
        JsonNode syncDev = find(documents("dev"), "NetworkPolicy", "meldtown-sync-orchestrator");
        assertThat(syncDev.at("/spec/egress").findValuesAsText("port")).contains("3306", "50051", "9092", "9000");
    }

    @Test
    @Order(3)
    void ingressRoutesDocumentsToBlockStoreAndTownsToSyncOrchestrator() throws Exception {
        JsonNode ingress = find(documents("prod"), "Ingress", "meldtown");
        Map<String, String> routes = new java.util.HashMap<>();
        for (JsonNode p : ingress.at("/spec/rules/0/http/paths")) {
            routes.put(p.path("path").asText(), p.at("/backend/service/name").asText());
        }
        String docs = routes.entrySet().stream().filter(e -> "/v1/tenants/acme/docs/d1/replicas/hub/commits".matches(e.getKey() + ".*"))
                .map(Map.Entry::getValue).findFirst().orElseThrow();
        String towns = routes.entrySet().stream().filter(e -> "/v1/tenants/acme/towns/north/peers/south/sync".matches(e.getKey() + ".*"))
                .map(Map.Entry::getValue).findFirst().orElseThrow();
        String federations = routes.entrySet().stream().filter(e -> "/v1/tenants/acme/federations/f1/sync".matches(e.getKey() + ".*"))
                .map(Map.Entry::getValue).findFirst().orElseThrow();
        assertThat(docs).isEqualTo("meldtown-block-store-service");
        assertThat(towns).isEqualTo("meldtown-sync-orchestrator");
        assertThat(federations).isEqualTo("meldtown-sync-orchestrator");
        assertThat(routes.values()).doesNotContain("meldtown-merge-service");
    }

    @Test
    @Order(3)
    void theSetupHookCreatesTheBucketAndEveryTopicOfTheContract() throws Exception {
        JsonNode job = find(documents("dev"), "Job", "meldtown-setup");
        assertThat(job.at("/metadata/annotations/helm.sh~1hook").asText()).isEqualTo("post-install,post-upgrade");
        String script = job.at("/spec/template/spec/containers/0/command/2").asText();
        for (String topic : List.of(Topics.BLOCKS, Topics.MERGES, Topics.MERGES_DLQ, Topics.SYNCS)) {
            assertThat(script).contains("topic " + topic + " ");
        }
        assertThat(script).contains("--aws-sigv4").contains("-X PUT");
        // with Strimzi the KafkaTopics own the topics: the Job only makes the bucket
        List<JsonNode> prod = documents("prod");
        assertThat(find(prod, "Job", "meldtown-setup").at("/spec/template/spec/containers/0/command/2").asText()).doesNotContain("TopicCommand");
        for (String topic : List.of(Topics.BLOCKS, Topics.MERGES, Topics.MERGES_DLQ, Topics.SYNCS)) {
            assertThat(find(prod, "KafkaTopic", topic).at("/metadata/labels/strimzi.io~1cluster").asText()).isEqualTo("meldtown-kafka");
        }
        JsonNode test = find(documents("dev"), "Pod", "meldtown-test-commit-and-read");
        assertThat(test.at("/metadata/annotations/helm.sh~1hook").asText()).isEqualTo("test");
        assertThat(test.at("/spec/containers/0/command/2").asText()).contains("/docs/$doc/replicas/hub\"")
                .contains("\"$base/commits\"").contains("\"$base/document\"");
    }

    @Test
    @Order(4)
    void renderedObjectsPassKubernetesValidateStrict() {
        step("validate");
    }

    @Test
    @Order(5)
    void renderedObjectsPassCheckovWithTheCommittedSkipList() {
        step("checkov");
    }

    @Test
    @Order(6)
    void renderedObjectsPassKubeScoreWithTheCommittedSkipList() {
        step("kube-score");
    }

    @Test
    @Order(7)
    void aRealApiServerWithTheCrdsStarts() {
        step("up");
    }

    @Test
    @Order(8)
    void helmInstallStoresEveryObjectUnderPodSecurityRestrictedWithoutWarnings() throws Exception {
        String out = step("install");
        assertThat(out).contains("deployment.apps/meldtown-block-store-service", "deployment.apps/meldtown-merge-service",
                "deployment.apps/meldtown-sync-orchestrator", "statefulset.apps/meldtown-kafka", "statefulset.apps/meldtown-s3proxy",
                "statefulset.apps/meldtown-dolt-hub", "job.batch/meldtown-setup", "pod/meldtown-test-commit-and-read",
                "networkpolicy.networking.k8s.io/meldtown-default-deny", "horizontalpodautoscaler.autoscaling/meldtown-block-store-service");
        // the notes name the secrets, never their values
        String notes = Files.readString(OUT.resolve("install.out"));
        assertThat(notes).contains("meldtown-s3").doesNotContain("meldtown-dev-secret").doesNotContain("dev-only-meldtown-sync-key")
                .doesNotContain(Files.readString(OUT.resolve("test-token")).trim());
    }

    @Test
    @Order(9)
    void customResourcesAreStoredThroughTheirRealCrdSchemas() {
        String out = step("crs");
        assertThat(out).contains("kafka.kafka.strimzi.io/meldtown-kafka", "kafkanodepool.kafka.strimzi.io/meldtown-kafka-dual",
                "kafkatopic.kafka.strimzi.io/meldtown.blocks", "scaledobject.keda.sh/meldtown-merge-service",
                "servicemonitor.monitoring.coreos.com/meldtown", "prometheusrule.monitoring.coreos.com/meldtown",
                "ingress.networking.k8s.io/meldtown");
    }

    @Test
    @Order(10)
    void anUpgradeThatChangesConfigurationRollsThePods() {
        assertThat(step("upgrade")).contains("checksum/config before=");
    }

    @AfterAll
    static void down() {
        run("down");
    }

    // ---------------------------------------------------------------------------------------------------------

    static String step(String name) {
        long t0 = System.nanoTime();
        Processes.Result r = run(name);
        System.out.printf("[chart-checks] %s took %.1f s%n", name, (System.nanoTime() - t0) / 1e9);
        assertThat(r.exitCode()).as("chart-checks.sh %s failed:%n%s%n%s", name, r.stdout(), r.stderr()).isZero();
        return r.stdout();
    }

    static Processes.Result run(String step) {
        ProcessBuilder pb = new ProcessBuilder("bash", ROOT.resolve("scripts/k8s/chart-checks.sh").toString(), step).directory(ROOT.toFile());
        return Processes.exec(pb, Duration.ofMinutes(10));
    }

    static Processes.Result helm(List<String> args) {
        List<String> command = new ArrayList<>(List.of("bash", "-c", "source scripts/lib.sh && exec \"$KUBE_BIN/helm\" \"$@\"", "helm"));
        command.addAll(args);
        return Processes.exec(new ProcessBuilder(command).directory(ROOT.toFile()), Duration.ofMinutes(2));
    }

    static List<String> concat(List<String> head, String... tail) {
        return Stream.concat(head.stream(), Stream.of(tail)).toList();
    }

    static List<JsonNode> documents(String values) throws Exception {
        return parse(Files.readString(OUT.resolve(values + ".yaml")));
    }

    static List<JsonNode> parse(String yaml) throws Exception {
        List<JsonNode> docs = new ArrayList<>();
        try (var parser = new YAMLFactory().createParser(yaml)) {
            var it = YAML.readValues(parser, JsonNode.class);
            while (it.hasNext()) {
                JsonNode d = it.next();
                if (d != null && d.has("kind")) {
                    docs.add(d);
                }
            }
        }
        return docs;
    }

    static JsonNode podSpec(JsonNode doc) {
        return switch (doc.path("kind").asText()) {
            case "Deployment", "StatefulSet", "Job" -> doc.at("/spec/template/spec");
            case "Pod" -> doc.path("spec");
            default -> null;
        };
    }

    static JsonNode podLabels(JsonNode doc) {
        return "Pod".equals(doc.path("kind").asText()) ? doc.at("/metadata/labels") : doc.at("/spec/template/metadata/labels");
    }

    static JsonNode volume(JsonNode pod, String name) {
        for (JsonNode v : pod.path("volumes")) {
            if (name.equals(v.path("name").asText())) {
                return v;
            }
        }
        throw new AssertionError("no volume " + name);
    }

    static JsonNode find(List<JsonNode> docs, String kind, String name) {
        return docs.stream()
                .filter(d -> kind.equals(d.path("kind").asText()) && name.equals(d.at("/metadata/name").asText()))
                .findFirst().orElseThrow(() -> new AssertionError("no " + kind + " " + name));
    }
}
