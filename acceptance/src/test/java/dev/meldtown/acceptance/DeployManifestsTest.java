package dev.meldtown.acceptance;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The Kubernetes base is consistent: every resource listed exists and parses, probes and ports line up. */
class DeployManifestsTest {
    static final Path BASE = StackTest.ROOT.resolve("deploy/base");
    static final ObjectMapper YAML = new YAMLMapper();

    @Test
    void everyServiceIsDeployedWithProbesOnTheQuarkusHealthPathsAndAMatchingService() throws Exception {
        List<JsonNode> docs = documents();
        JsonNode config = find(docs, "ConfigMap", "meldtown");
        for (String service : List.of("block-store-service", "merge-service", "sync-orchestrator")) {
            JsonNode deployment = find(docs, "Deployment", service);
            JsonNode container = deployment.at("/spec/template/spec/containers/0");
            assertThat(container.at("/readinessProbe/httpGet/path").asText()).isEqualTo("/q/health/ready");
            assertThat(container.at("/livenessProbe/httpGet/path").asText()).isEqualTo("/q/health/live");
            assertThat(container.at("/startupProbe/httpGet/path").asText()).isEqualTo("/q/health/started");
            JsonNode port = container.at("/ports/0");
            assertThat(port.get("name").asText()).isEqualTo("http");
            assertThat(port.get("containerPort").asText()).isEqualTo(config.at("/data/HTTP_PORT").asText());
            assertThat(container.at("/envFrom/0/configMapRef/name").asText()).isEqualTo("meldtown");
            assertThat(deployment.at("/spec/selector/matchLabels")).isEqualTo(deployment.at("/spec/template/metadata/labels"));

            JsonNode svc = find(docs, "Service", service);
            assertThat(svc.at("/spec/ports/0/targetPort").asText()).isEqualTo("http");
            assertThat(svc.at("/spec/selector")).isEqualTo(deployment.at("/spec/selector/matchLabels"));
        }
        assertThat(find(docs, "Deployment", "sync-orchestrator").at("/spec/template/spec/containers/0/envFrom").findValuesAsText("name"))
                .contains("meldtown-sync");
        // Every variable the services read from their config is provided.
        for (String key : List.of("KAFKA_BOOTSTRAP", "S3_ENDPOINT", "S3_BUCKET", "HTTP_PORT", "HTTP_HOST")) {
            assertThat(config.at("/data/" + key).isMissingNode()).as(key).isFalse();
        }
    }

    private static List<JsonNode> documents() throws Exception {
        JsonNode kustomization = YAML.readTree(BASE.resolve("kustomization.yaml").toFile());
        List<JsonNode> docs = new ArrayList<>();
        for (JsonNode resource : kustomization.get("resources")) {
            Path file = BASE.resolve(resource.asText());
            assertThat(file).exists();
            try (var parser = new YAMLFactory().createParser(Files.readString(file))) {
                var it = YAML.readValues(parser, JsonNode.class);
                while (it.hasNext()) {
                    docs.add(it.next());
                }
            }
        }
        return docs;
    }

    private static JsonNode find(List<JsonNode> docs, String kind, String name) {
        return docs.stream()
                .filter(d -> kind.equals(d.path("kind").asText()) && name.equals(d.at("/metadata/name").asText()))
                .findFirst().orElseThrow(() -> new AssertionError("no " + kind + " " + name + " in deploy/base"));
    }
}
