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
@NeedsTools({"kube", "k8s-checks"})
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
    void tokenRulesAndTheTargetAllowListReachTheServicesAndBadOnesAreRefused() throws Exception {
        JsonNode config = find(documents("prod"), "ConfigMap", "meldtown");
        assertThat(config.at("/data/MELDTOWN_JWT_AUDIENCE").asText()).isEqualTo("meldtown");
        assertThat(config.at("/data/MELDTOWN_JWT_MAX_AGE").asText()).isEqualTo("PT24H");
        assertThat(config.at("/data/MELDTOWN_SYNC_ALLOWED_HOSTS").asText()).contains("*.svc.cluster.local");
        List<String> prod = List.of("template", "meldtown", CHART.toString(), "-f", CHART.resolve("values-prod.yaml").toString());
        Processes.Result chosen = helm(concat(prod, "--set", "jwt.audience=hub", "--set", "sync.allowedHosts=towns.example.org"));
        assertThat(chosen.exitCode()).as(chosen.stderr()).isZero();
        JsonNode rendered = find(parse(chosen.stdout()), "ConfigMap", "meldtown");
        assertThat(rendered.at("/data/MELDTOWN_JWT_AUDIENCE").asText()).isEqualTo("hub");
        assertThat(rendered.at("/data/MELDTOWN_SYNC_ALLOWED_HOSTS").asText()).isEqualTo("towns.example.org");
        for (String bad : List.of("jwt.audience=", "jwt.maxAge=24h", "sync.allowedHosts=")) {
            Processes.Result r = helm(concat(prod, "--set", bad));
            assertThat(r.exitCode()).as(bad).isNotZero();
            assertThat(r.stderr()).as(bad).contains("values don't meet the specifications of the schema");
        }
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
        Processes.Result concurrency = helm(concat(prod, "--set", "mergeService.concurrency=0"));
        assertThat(concurrency.exitCode()).isNotZero();
        assertThat(concurrency.stderr()).contains("concurrency");
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
        // each instance works on its partitions side by side, as many at once as the chart says
        JsonNode merge = find(parse(equal.stdout()), "Deployment", "meldtown-merge-service").at("/spec/template/spec/containers/0");
        assertThat(env(merge, "MELDTOWN_MERGE_CONCURRENCY").path("value").asText()).isEqualTo("3");
        assertThat(env(merge, "MELDTOWN_MERGE_TOPIC_PARTITIONS").path("value").asText()).isEqualTo("12");
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
        for (String topic : Topics.ALL) {
            assertThat(script).contains("topic " + topic + " ");
        }
        assertThat(script).contains("--aws-sigv4").contains("-X PUT");
        // with Strimzi the KafkaTopics own the topics: the Job only makes the bucket
        List<JsonNode> prod = documents("prod");
        assertThat(find(prod, "Job", "meldtown-setup").at("/spec/template/spec/containers/0/command/2").asText()).doesNotContain("TopicCommand");
        for (String topic : Topics.ALL) {
            assertThat(find(prod, "KafkaTopic", topic).at("/metadata/labels/strimzi.io~1cluster").asText()).isEqualTo("meldtown-kafka");
        }
        JsonNode test = find(documents("dev"), "Pod", "meldtown-test-commit-and-read");
        assertThat(test.at("/metadata/annotations/helm.sh~1hook").asText()).isEqualTo("test");
        assertThat(test.at("/spec/containers/0/command/2").asText()).contains("/docs/$doc/replicas/hub\"")
                .contains("\"$base/commits\"").contains("\"$base/document\"");
    }

    @Test
    @Order(3)
    void everyKafkaClientAuthenticatesWithScramAndReadsThePasswordFromASecret() throws Exception {
        for (String values : List.of("dev", "prod")) {
            List<JsonNode> docs = documents(values);
            String rendered = Files.readString(OUT.resolve(values + ".yaml"));
            for (String service : SERVICES) {
                JsonNode deployment = find(docs, "Deployment", "meldtown-" + service);
                JsonNode c = deployment.at("/spec/template/spec/containers/0");
                String what = values + " " + service;
                assertThat(env(c, "KAFKA_SECURITY_PROTOCOL").path("value").asText()).as(what)
                        .isEqualTo(values.equals("dev") ? "SASL_PLAINTEXT" : "SASL_SSL");
                assertThat(env(c, "KAFKA_SASL_MECHANISM").path("value").asText()).as(what).isEqualTo("SCRAM-SHA-512");
                assertThat(env(c, "KAFKA_USERNAME").path("value").asText()).as(what).isEqualTo("meldtown");
                JsonNode password = env(c, "KAFKA_PASSWORD");
                assertThat(password.has("value")).as(what + ": no inline password").isFalse();
                assertPasswordSecretExists(docs, password.at("/valueFrom/secretKeyRef"), what);
            }
            // the password is nowhere in the rendered objects in clear text (dev: only base64 in its Secret)
            if (values.equals("dev")) {
                String devPassword = YAML.readTree(CHART.resolve("values-dev.yaml").toFile()).at("/kafka/sasl/password").asText();
                assertThat(devPassword).isNotEmpty();
                assertThat(rendered).doesNotContain(devPassword);
                JsonNode secret = find(docs, "Secret", "meldtown-kafka");
                assertThat(new String(java.util.Base64.getDecoder().decode(secret.at("/data/KAFKA_PASSWORD").asText()))).isEqualTo(devPassword);
                // the development broker creates its SCRAM user from the same Secret
                JsonNode broker = find(docs, "StatefulSet", "meldtown-kafka").at("/spec/template/spec/containers/0");
                assertThat(env(broker, "KAFKA_PASSWORD").at("/valueFrom/secretKeyRef"))
                        .isEqualTo(env(find(docs, "Deployment", "meldtown-merge-service").at("/spec/template/spec/containers/0"), "KAFKA_PASSWORD")
                                .at("/valueFrom/secretKeyRef"));
            }
        }
        // prod: TLS listener of Strimzi, whose CA the clients trust from a mounted file
        List<JsonNode> prod = documents("prod");
        JsonNode config = find(prod, "ConfigMap", "meldtown");
        assertThat(config.at("/data/KAFKA_BOOTSTRAP").asText()).isEqualTo("meldtown-kafka-kafka-bootstrap:9093");
        JsonNode kafka = find(prod, "Kafka", "meldtown-kafka");
        JsonNode tlsListener = null;
        for (JsonNode l : kafka.at("/spec/kafka/listeners")) {
            assertThat(l.at("/authentication/type").asText()).as("listener " + l.path("name")).isEqualTo("scram-sha-512");
            if (l.path("port").asInt() == 9093) {
                tlsListener = l;
            }
        }
        assertThat(tlsListener).isNotNull();
        assertThat(tlsListener.path("tls").asBoolean()).isTrue();
        assertThat(kafka.at("/spec/kafka/authorization/type").asText()).isEqualTo("simple");
        JsonNode pod = find(prod, "Deployment", "meldtown-block-store-service").at("/spec/template/spec");
        String truststore = env(pod.at("/containers/0"), "KAFKA_SSL_TRUSTSTORE_LOCATION").path("value").asText();
        assertThat(env(pod.at("/containers/0"), "KAFKA_SSL_TRUSTSTORE_TYPE").path("value").asText()).isEqualTo("PEM");
        String volumeName = null;
        for (JsonNode m : pod.at("/containers/0/volumeMounts")) {
            if (truststore.startsWith(m.path("mountPath").asText() + "/")) {
                volumeName = m.path("name").asText();
                assertThat(truststore.substring(m.path("mountPath").asText().length() + 1))
                        .isEqualTo(volume(pod, volumeName).at("/secret/items/0/path").asText());
            }
        }
        assertThat(volumeName).as("a mount holds " + truststore).isNotNull();
        assertThat(volume(pod, volumeName).at("/secret/secretName").asText()).isEqualTo("meldtown-kafka-cluster-ca-cert");
        assertThat(volume(pod, volumeName).at("/secret/items/0/key").asText()).isEqualTo("ca.crt");
    }

    @Test
    @Order(3)
    void theKafkaUserMayDoWhatEachServiceDoesAndNoMore() throws Exception {
        JsonNode user = find(documents("prod"), "KafkaUser", "meldtown");
        assertThat(user.at("/metadata/labels/strimzi.io~1cluster").asText()).isEqualTo("meldtown-kafka");
        assertThat(user.at("/spec/authentication/type").asText()).isEqualTo("scram-sha-512");
        assertThat(user.at("/spec/authorization/type").asText()).isEqualTo("simple");
        JsonNode acls = user.at("/spec/authorization/acls");
        // docs/kafka-security.md: what each service (and KEDA) does on Kafka
        List<String[]> needed = List.of(
                new String[] {"topic", Topics.BLOCKS, "Write"}, new String[] {"topic", Topics.MERGES, "Write"},
                new String[] {"topic", Topics.MERGES_DLQ, "Write"}, new String[] {"topic", Topics.SYNCS, "Write"},
                new String[] {"topic", Topics.SYNCS_DLQ, "Write"},
                new String[] {"topic", Topics.BLOCKS, "Read"}, new String[] {"topic", Topics.MERGES, "Read"},
                new String[] {"topic", Topics.SYNCS, "Read"}, new String[] {"topic", Topics.BLOCKS, "Create"},
                new String[] {"topic", Topics.MERGES, "Create"}, new String[] {"topic", Topics.MERGES_DLQ, "Create"},
                new String[] {"topic", Topics.BLOCKS, "Describe"}, new String[] {"topic", Topics.MERGES, "Describe"},
                new String[] {"group", "meldtown-merge", "Read"}, new String[] {"group", "meldtown-sync-orchestrator", "Read"},
                new String[] {"group", "meldtown-merge", "Describe"});
        for (String[] n : needed) {
            assertThat(granted(acls, n[0], n[1], n[2])).as(String.join(" ", n)).isTrue();
        }
        // nothing beyond the contract's topics and the two groups, no wildcard, no cluster-wide operation
        for (JsonNode acl : acls) {
            JsonNode r = acl.path("resource");
            assertThat(r.path("patternType").asText("literal")).isEqualTo("literal");
            if (r.path("type").asText().equals("topic")) {
                assertThat(r.path("name").asText()).isIn(Topics.ALL);
            } else {
                assertThat(r.path("type").asText()).isEqualTo("group");
                assertThat(r.path("name").asText()).isIn("meldtown-merge", "meldtown-sync-orchestrator");
            }
            for (JsonNode op : acl.path("operations")) {
                assertThat(op.asText()).isNotIn("All", "Delete", "Alter", "AlterConfigs", "ClusterAction");
            }
        }
        assertThat(granted(acls, "topic", Topics.MERGES_DLQ, "Read")).as("no service reads the DLQ").isFalse();
        assertThat(granted(acls, "topic", Topics.SYNCS_DLQ, "Read")).as("no service reads the DLQ").isFalse();
        assertThat(granted(acls, "topic", Topics.BLOCKS, "Delete")).isFalse();
    }

    @Test
    @Order(3)
    void theSetupJobAndKedaAuthenticateToo() throws Exception {
        List<JsonNode> dev = documents("dev");
        JsonNode job = find(dev, "Job", "meldtown-setup").at("/spec/template/spec");
        String script = job.at("/containers/0/command/2").asText();
        // TopicCommand reads its SASL settings from a file in /tmp (the root file system is read-only)
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("--command-config (\\S+)").matcher(script);
        assertThat(m.find()).as(script).isTrue();
        String file = m.group(1);
        assertThat(file).startsWith("/tmp/");
        assertThat(script).contains("> " + file + " )");
        assertThat(volume(job, "tmp").has("emptyDir")).isTrue();
        JsonNode password = env(job.at("/containers/0"), "KAFKA_PASSWORD");
        assertThat(password.has("value")).isFalse();
        assertPasswordSecretExists(dev, password.at("/valueFrom/secretKeyRef"), "dev setup Job");

        List<JsonNode> prod = documents("prod");
        JsonNode scaled = find(prod, "ScaledObject", "meldtown-merge-service");
        java.util.Set<String> params = new java.util.HashSet<>();
        for (JsonNode trigger : scaled.at("/spec/triggers")) {
            String ref = trigger.at("/authenticationRef/name").asText();
            assertThat(ref).as("trigger " + trigger.at("/metadata/topic")).isNotEmpty();
            JsonNode auth = find(prod, "TriggerAuthentication", ref);
            for (JsonNode t : auth.at("/spec/secretTargetRef")) {
                String name = t.path("name").asText();
                String key = t.path("key").asText();
                params.add(t.path("parameter").asText());
                switch (t.path("parameter").asText()) {
                    case "password" -> assertPasswordSecretExists(prod, t, "KEDA");
                    case "ca" -> assertThat(name + "/" + key).isEqualTo("meldtown-kafka-cluster-ca-cert/ca.crt");
                    default -> {
                        JsonNode secret = find(prod, "Secret", name);
                        String value = new String(java.util.Base64.getDecoder().decode(secret.at("/data/" + key).asText()));
                        assertThat(value).as(t.toString()).isEqualTo(switch (t.path("parameter").asText()) {
                            case "sasl" -> "scram_sha512";
                            case "username" -> "meldtown";
                            case "tls" -> "enable";
                            default -> throw new AssertionError("unexpected parameter " + t);
                        });
                    }
                }
            }
            assertThat(trigger.at("/metadata/bootstrapServers").asText()).isEqualTo("meldtown-kafka-kafka-bootstrap:9093");
        }
        assertThat(params).containsExactlyInAnyOrder("sasl", "username", "password", "tls", "ca");
        // with Strimzi the Job makes only the bucket: it needs no Kafka credentials (and waits for no Strimzi Secret)
        assertThat(find(prod, "Job", "meldtown-setup").at("/spec/template/spec/containers/0/env").findValuesAsText("name"))
                .doesNotContain("KAFKA_PASSWORD");
    }

    @Test
    @Order(3)
    void incompleteSaslSettingsFailWithTheSettingToProvide() {
        List<String> dev = List.of("template", "meldtown", CHART.toString(), "-f", CHART.resolve("values-dev.yaml").toString(),
                "--set", "jwt.publicKey=x", "--set", "tests.token=t");
        Map<String, List<String>> failures = new java.util.LinkedHashMap<>();
        failures.put("kafka.sasl.password or kafka.sasl.existingSecret is required", List.of("--set", "kafka.sasl.password="));
        failures.put("kafka.sasl.protocol must be SASL_PLAINTEXT with kafka.dev.enabled", List.of("--set", "kafka.sasl.protocol=SASL_SSL"));
        failures.put("kafka.sasl.password of the development broker", List.of("--set", "kafka.sasl.password=a]b"));
        failures.put("protocol", List.of("--set", "kafka.sasl.protocol=PLAINTEXT"));
        for (var f : failures.entrySet()) {
            Processes.Result r = helm(Stream.concat(dev.stream(), f.getValue().stream()).toList());
            assertThat(r.exitCode()).as(f.getKey()).isNotZero();
            assertThat(r.stderr()).contains(f.getKey());
        }
        // an existing Secret replaces the password: the clients and the broker read it, the chart creates none
        Processes.Result existing = helm(concat(dev, "--set", "kafka.sasl.password=", "--set", "kafka.sasl.existingSecret=my-kafka",
                "--set", "kafka.sasl.passwordKey=pw"));
        assertThat(existing.exitCode()).as(existing.stderr()).isZero();
        List<JsonNode> docs = parseUnchecked(existing.stdout());
        assertThat(docs.stream().filter(d -> d.path("kind").asText().equals("Secret")).map(d -> d.at("/metadata/name").asText()))
                .doesNotContain("meldtown-kafka");
        for (JsonNode d : docs) {
            JsonNode pod = podSpec(d);
            if (pod == null) {
                continue;
            }
            for (JsonNode c : pod.path("containers")) {
                for (JsonNode e : c.path("env")) {
                    if (e.path("name").asText().equals("KAFKA_PASSWORD")) {
                        assertThat(e.at("/valueFrom/secretKeyRef").toString()).isEqualTo("{\"name\":\"my-kafka\",\"key\":\"pw\"}");
                    }
                }
            }
        }
        List<String> prod = List.of("template", "meldtown", CHART.toString(), "-f", CHART.resolve("values-prod.yaml").toString());
        Processes.Result sha256 = helm(concat(prod, "--set", "kafka.sasl.mechanism=SCRAM-SHA-256"));
        assertThat(sha256.exitCode()).isNotZero();
        assertThat(sha256.stderr()).contains("kafka.sasl.mechanism must be SCRAM-SHA-512 with kafka.strimzi.enabled");
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
    @Order(6)
    void theDevBrokerAndSetupJobScriptsAuthenticateWithScramOutsideKubernetes() {
        String out = step("scripts");
        assertThat(out).contains("topics ready")
                .contains("topics on the broker: " + String.join(" ", Topics.ALL))
                .contains("a password with \" and \\ authenticates through the Job's client settings")
                .contains("wrong password refused: Authentication failed")
                .contains("restart with another password: this log dir was formatted without the SCRAM user meldtown or with another password");
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
                "networkpolicy.networking.k8s.io/meldtown-default-deny", "horizontalpodautoscaler.autoscaling/meldtown-block-store-service",
                "secret/meldtown-kafka");
        // the notes name the secrets, never their values
        String notes = Files.readString(OUT.resolve("install.out"));
        assertThat(notes).contains("meldtown-s3").doesNotContain("meldtown-dev-secret").doesNotContain("dev-only-meldtown-sync-key").doesNotContain("dev-only-kafka-password")
                .doesNotContain(Files.readString(OUT.resolve("test-token")).trim());
    }

    @Test
    @Order(9)
    void customResourcesAreStoredThroughTheirRealCrdSchemas() {
        String out = step("crs");
        assertThat(out).contains("kafka.kafka.strimzi.io/meldtown-kafka", "kafkanodepool.kafka.strimzi.io/meldtown-kafka-dual",
                "kafkatopic.kafka.strimzi.io/meldtown.blocks", "scaledobject.keda.sh/meldtown-merge-service",
                "servicemonitor.monitoring.coreos.com/meldtown", "prometheusrule.monitoring.coreos.com/meldtown",
                "ingress.networking.k8s.io/meldtown", "kafkauser.kafka.strimzi.io/meldtown",
                "triggerauthentication.keda.sh/meldtown-merge-service-kafka");
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

    static JsonNode env(JsonNode container, String name) {
        for (JsonNode e : container.path("env")) {
            if (name.equals(e.path("name").asText())) {
                return e;
            }
        }
        throw new AssertionError("no env " + name + " in " + container.path("name").asText());
    }

    /** The password Secret is rendered with that key, or is the one Strimzi creates for a rendered KafkaUser. */
    static void assertPasswordSecretExists(List<JsonNode> docs, JsonNode ref, String what) {
        String name = ref.path("name").asText();
        String key = ref.path("key").asText();
        var secret = docs.stream().filter(d -> d.path("kind").asText().equals("Secret") && d.at("/metadata/name").asText().equals(name)).findFirst();
        if (secret.isPresent()) {
            assertThat(secret.get().at("/data").has(key)).as(what + ": Secret " + name + " has " + key).isTrue();
        } else {
            find(docs, "KafkaUser", name);
            assertThat(key).as(what + ": Strimzi's user Secret").isEqualTo("password");
        }
    }

    static boolean granted(JsonNode acls, String type, String name, String operation) {
        for (JsonNode acl : acls) {
            if (acl.at("/resource/type").asText().equals(type) && acl.at("/resource/name").asText().equals(name)) {
                for (JsonNode op : acl.path("operations")) {
                    if (op.asText().equals(operation)) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    static List<JsonNode> parseUnchecked(String yaml) {
        try {
            return parse(yaml);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    static JsonNode find(List<JsonNode> docs, String kind, String name) {
        return docs.stream()
                .filter(d -> kind.equals(d.path("kind").asText()) && name.equals(d.at("/metadata/name").asText()))
                .findFirst().orElseThrow(() -> new AssertionError("no " + kind + " " + name));
    }
}
