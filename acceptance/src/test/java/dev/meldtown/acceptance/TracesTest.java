package dev.meldtown.acceptance;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15 items 1 and 2 on one real stack: {@code bin/stack up} starts a trace backend (Jaeger v2) and points every
 * service at it over OTLP; one upload is then one trace in that backend, found through Jaeger's own query API, with
 * spans from block-store-service and merge-service linked parent to child across HTTP, S3 and Kafka; and a sync
 * requested over HTTP is one trace down to the {@code CALL DOLT_*} statements; a request refused before any resource
 * runs is a span too.
 * <p>
 * The test acts as the caller's tracer: it sends a W3C {@code traceparent} with a trace id of its own, so the trace to
 * look up is known, and the request's span must be the child of the test's span.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TracesTest {
    static final Duration WAIT = Duration.ofMinutes(2);
    static final SecureRandom RANDOM = new SecureRandom();

    @TempDir
    static Path stackDir;
    static LocalStack stack;
    static String writer;

    @BeforeAll
    static void up() throws Exception {
        stack = LocalStack.up(stackDir);
        assertThat(stack.upExitCode).as(stack.upOutput).isZero();
        writer = stack.token("acme", "writer");
    }

    @AfterAll
    static void down() throws Exception {
        if (stack != null) {
            stack.down();
        }
    }

    @Test
    @Order(1)
    void upStartsTheTraceBackendAndPrintsItsAddress() throws Exception {
        String traces = stack.get("TRACES_URL");
        assertThat(traces).isEqualTo("http://127.0.0.1:" + stack.env.get("MELDTOWN_TRACES_PORT"));
        assertThat(stack.upOutput).contains("Traces (Jaeger UI and query API): " + traces);
        assertThat(stack.get("OTEL_EXPORTER_OTLP_ENDPOINT")).isEqualTo("http://127.0.0.1:" + stack.env.get("MELDTOWN_OTLP_PORT"));
        HttpResponse<String> ui = LocalStack.get(traces + "/", null);
        assertThat(ui.statusCode()).isEqualTo(200);
        assertThat(stack.stack("status").stdout()).containsPattern("traces +running \\(pid \\d+\\), ready");
    }

    @Test
    @Order(2)
    void oneUploadIsOneTraceAcrossBlockStoreKafkaAndMergeService() throws Exception {
        String base = stack.get("BLOCK_STORE_URL") + "/v1/tenants/acme/docs/traced/replicas/";
        // bob's replica exists first, so alice's block is fanned out to it
        HttpResponse<String> bob = LocalStack.post(base + "bob/commits", writer, Map.of("document", Map.of("title", "from bob")));
        assertThat(bob.statusCode()).as(bob.body()).isEqualTo(201);
        assertThat(LocalStack.await(WAIT, () -> title(base + "hub").equals("from bob"))).as("bob's block reached the hub").isTrue();

        String traceId = hex(16);
        String callerSpan = hex(8);
        HttpResponse<String> upload = send("POST", base + "alice/commits", "{\"document\":{\"title\":\"from alice\",\"n\":1}}",
                "00-" + traceId + "-" + callerSpan + "-01");
        assertThat(upload.statusCode()).as(upload.body()).isEqualTo(201);
        String block = LocalStack.JSON.readTree(upload.body()).get("block").asText();

        // the whole flow, as the backend holds it: upload, block.committed, meld, fan-out, merge.completed
        AtomicReference<JsonNode> found = new AtomicReference<>();
        boolean complete = LocalStack.await(WAIT, () -> {
            JsonNode t = trace(traceId);
            found.set(t);
            // (a parent span is exported when it ends, after its children: wait until every parent is there)
            return t != null && operations(t, "merge-service").stream().anyMatch(o -> o.startsWith("meldtown.merges"))
                    && !spansOf(t, "merge-service", "PutObject").isEmpty()
                    && !spansOf(t, "block-store-service", "PutObject").isEmpty()
                    && roots(t) == 1;
        });
        JsonNode trace = found.get();
        assertThat(complete).as("trace %s in Jaeger holds the upload, the meld and merge.completed: %s", traceId, summary(trace)).isTrue();
        assertThat(trace.get("traceID").asText()).isEqualTo(traceId);

        Map<String, JsonNode> spans = byId(trace);
        Map<String, String> services = new HashMap<>();
        trace.get("processes").fields().forEachRemaining(p -> services.put(p.getKey(), p.getValue().get("serviceName").asText()));
        // every span but the upload's own has its parent in this trace; the upload's parent is the caller's span
        List<JsonNode> roots = spans.values().stream().filter(s -> !spans.containsKey(parent(s))).toList();
        assertThat(roots).as(summary(trace)).hasSize(1);
        JsonNode server = roots.get(0);
        assertThat(parent(server)).isEqualTo(callerSpan);
        assertThat(services.get(server.get("processID").asText())).isEqualTo("block-store-service");
        assertThat(server.get("operationName").asText()).isEqualTo("POST /v1/tenants/{tenant}/docs/{doc}/replicas/{replica}/commits");
        assertThat(tag(server, "http.response.status_code")).isEqualTo("201");
        assertThat(kind(server)).isEqualTo("server");

        // block-store: its S3 writes are children of the request
        JsonNode blockPut = spansOf(trace, "block-store-service", "PutObject").get(0);
        assertThat(ancestors(blockPut, spans)).contains(server.get("spanID").asText());
        // block.committed: a producer span of block-store under the request ...
        JsonNode published = spans.values().stream()
                .filter(s -> services.get(s.get("processID").asText()).equals("block-store-service")
                        && s.get("operationName").asText().startsWith("meldtown.blocks") && kind(s).equals("producer"))
                .findFirst().orElseThrow(() -> new AssertionError("no block.committed producer span: " + summary(trace)));
        assertThat(ancestors(published, spans)).contains(server.get("spanID").asText());
        // ... whose child is merge-service's processing of that record
        JsonNode consumed = spans.values().stream()
                .filter(s -> services.get(s.get("processID").asText()).equals("merge-service")
                        && s.get("operationName").asText().equals("meldtown.blocks process")
                        && parent(s).equals(published.get("spanID").asText()))
                .findFirst().orElseThrow(() -> new AssertionError("merge-service did not process block.committed in the trace: " + summary(trace)));
        assertThat(kind(consumed)).isEqualTo("consumer");
        // the meld and fan-out write to S3 under that processing span, and merge.completed is published from it
        assertThat(spansOf(trace, "merge-service", "PutObject")).anySatisfy(s -> assertThat(ancestors(s, spans)).contains(consumed.get("spanID").asText()));
        assertThat(spans.values()).anySatisfy(s -> {
            assertThat(services.get(s.get("processID").asText())).isEqualTo("merge-service");
            assertThat(s.get("operationName").asText()).startsWith("meldtown.merges");
            assertThat(kind(s)).isEqualTo("producer");
            assertThat(ancestors(s, spans)).contains(consumed.get("spanID").asText());
        });
        // the fan-out reached bob's replica (what the trace describes really happened)
        assertThat(LocalStack.await(WAIT, () -> log(base + "bob").contains(block))).as("alice's block is in bob's replica").isTrue();
        assertThat(block).hasSize(64);
    }

    @Test
    @Order(3)
    void aSyncRequestedOverHttpIsOneTraceDownToTheDoltProcedureCalls() throws Exception {
        // a commit in south that north lacks, so the sync has something to push
        try (var c = stack.sql("south"); var st = c.createStatement()) {
            st.execute("INSERT INTO issues (id, title) VALUES ('bd-traced', 'written in south')");
            st.execute("CALL DOLT_COMMIT('-Am', 'beads: bd-traced')");
        }
        String traceId = hex(16);
        String callerSpan = hex(8);
        String admin = stack.get("MELDTOWN_TOKEN"); // admin of tenant demo, whose towns bin/stack up federated
        HttpResponse<String> sync = send("POST", stack.get("SYNC_ORCHESTRATOR_URL") + "/v1/tenants/demo/towns/south/peers/north/sync",
                "{\"strategy\":\"theirs\"}", "00-" + traceId + "-" + callerSpan + "-01", admin);
        assertThat(sync.statusCode()).as(sync.body()).isEqualTo(200);

        AtomicReference<JsonNode> found = new AtomicReference<>();
        assertThat(LocalStack.await(WAIT, () -> {
            JsonNode t = trace(traceId);
            found.set(t);
            return t != null && statements(t).stream().anyMatch(s -> s.contains("DOLT_FETCH"))
                    && statements(t).stream().anyMatch(s -> s.contains("DOLT_PUSH")) && roots(t) == 1;
        })).as("trace %s holds the sync's CALL DOLT_FETCH and DOLT_PUSH: %s", traceId, summary(found.get())).isTrue();
        JsonNode trace = found.get();
        Map<String, JsonNode> spans = byId(trace);
        List<JsonNode> roots = spans.values().stream().filter(s -> !spans.containsKey(parent(s))).toList();
        assertThat(roots).hasSize(1);
        assertThat(parent(roots.get(0))).isEqualTo(callerSpan);
        assertThat(roots.get(0).get("operationName").asText()).isEqualTo("POST /v1/tenants/{tenant}/towns/{town}/peers/{peer}/sync");
        String root = roots.get(0).get("spanID").asText();
        for (JsonNode s : spans.values()) {
            if (tag(s, "db.query.text") != null || tag(s, "db.statement") != null) {
                assertThat(kind(s)).isEqualTo("client");
                assertThat(ancestors(s, spans)).as("SQL span %s is under the request", s.get("operationName")).contains(root);
            }
        }
        // sanitized: the federation password never reaches a span
        assertThat(trace.toString()).doesNotContain(stack.get("TOWN_NORTH_SQL_PASSWORD")).doesNotContain(stack.get("TOWN_SOUTH_SQL_PASSWORD"));
    }

    @Test
    @Order(4)
    void aRequestRefusedBeforeAnyResourceIsASpanWithItsStatus() throws Exception {
        String base = stack.get("BLOCK_STORE_URL");
        // refused by the request limits (a '..' segment: 400) and by no route (404)
        Map<String, Integer> refused = Map.of(
                base + "/v1/tenants/acme/docs/%2e%2e/replicas/r/document", 400,
                base + "/no/such/route", 404);
        for (Map.Entry<String, Integer> r : refused.entrySet()) {
            String traceId = hex(16);
            String callerSpan = hex(8);
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(r.getKey())).timeout(Duration.ofSeconds(30))
                    .header("traceparent", "00-" + traceId + "-" + callerSpan + "-01").header("Authorization", "Bearer " + writer).GET();
            HttpResponse<String> answer = LocalStack.HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
            assertThat(answer.statusCode()).as(answer.body()).isEqualTo(r.getValue());

            AtomicReference<JsonNode> found = new AtomicReference<>();
            assertThat(LocalStack.await(WAIT, () -> {
                found.set(trace(traceId));
                return found.get() != null;
            })).as("the request refused with %d is a trace in Jaeger", r.getValue()).isTrue();
            JsonNode trace = found.get();
            assertThat(trace.get("spans")).as(summary(trace)).hasSize(1);
            JsonNode span = trace.get("spans").get(0);
            assertThat(service(trace, span)).isEqualTo("block-store-service");
            assertThat(kind(span)).isEqualTo("server");
            assertThat(parent(span)).isEqualTo(callerSpan);
            assertThat(span.get("operationName").asText()).isEqualTo("GET");
            assertThat(tag(span, "http.response.status_code")).isEqualTo(String.valueOf(r.getValue()));
        }
    }

    // ------------------------------------------------------------------ Jaeger's query API

    /** {@code GET /api/traces/{id}}: the trace, or null while Jaeger does not have it. */
    static JsonNode trace(String traceId) {
        try {
            HttpResponse<String> r = LocalStack.get(stack.get("TRACES_URL") + "/api/traces/" + traceId, null);
            if (r.statusCode() != 200) {
                return null;
            }
            JsonNode data = LocalStack.JSON.readTree(r.body()).path("data");
            return data.size() == 1 ? data.get(0) : null;
        } catch (java.io.IOException notYet) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** How many spans have no parent in the trace. */
    static long roots(JsonNode trace) {
        Map<String, JsonNode> spans = byId(trace);
        return spans.values().stream().filter(s -> !spans.containsKey(parent(s))).count();
    }

    static Map<String, JsonNode> byId(JsonNode trace) {
        return StreamSupport.stream(trace.get("spans").spliterator(), false)
                .collect(Collectors.toMap(s -> s.get("spanID").asText(), s -> s, (a, b) -> a));
    }

    static String parent(JsonNode span) {
        for (JsonNode ref : span.path("references")) {
            if (ref.get("refType").asText().equals("CHILD_OF")) {
                return ref.get("spanID").asText();
            }
        }
        return "";
    }

    static Set<String> ancestors(JsonNode span, Map<String, JsonNode> spans) {
        Set<String> up = new java.util.LinkedHashSet<>();
        String p = parent(span);
        while (!p.isEmpty() && up.add(p) && spans.containsKey(p)) {
            p = parent(spans.get(p));
        }
        return up;
    }

    static String tag(JsonNode span, String key) {
        for (JsonNode t : span.path("tags")) {
            if (t.get("key").asText().equals(key)) {
                return t.get("value").asText();
            }
        }
        return null;
    }

    static String kind(JsonNode span) {
        return String.valueOf(tag(span, "span.kind"));
    }

    static String service(JsonNode trace, JsonNode span) {
        return trace.get("processes").get(span.get("processID").asText()).get("serviceName").asText();
    }

    static Set<String> operations(JsonNode trace, String service) {
        return StreamSupport.stream(trace.get("spans").spliterator(), false).filter(s -> service(trace, s).equals(service))
                .map(s -> s.get("operationName").asText()).collect(Collectors.toSet());
    }

    static List<JsonNode> spansOf(JsonNode trace, String service, String operationContains) {
        return StreamSupport.stream(trace.get("spans").spliterator(), false)
                .filter(s -> service(trace, s).equals(service) && s.get("operationName").asText().contains(operationContains)).toList();
    }

    static List<String> statements(JsonNode trace) {
        return StreamSupport.stream(trace.get("spans").spliterator(), false)
                .map(s -> tag(s, "db.query.text") != null ? tag(s, "db.query.text") : tag(s, "db.statement"))
                .filter(java.util.Objects::nonNull).toList();
    }

    static String summary(JsonNode trace) {
        if (trace == null) {
            return "(no trace)";
        }
        return StreamSupport.stream(trace.get("spans").spliterator(), false)
                .map(s -> service(trace, s) + ":" + s.get("operationName").asText() + "(" + s.get("spanID").asText() + "<-" + parent(s) + ")")
                .collect(Collectors.joining(", "));
    }

    // ------------------------------------------------------------------ helpers

    static String title(String replica) {
        try {
            return LocalStack.getJson(replica + "/document", writer).path("title").asText();
        } catch (Exception notYet) {
            return "";
        }
    }

    /** The blocks of a replica's log ({@code GET …/log}); empty while it cannot be read. */
    static List<String> log(String replica) {
        try {
            List<String> blocks = new java.util.ArrayList<>();
            LocalStack.getJson(replica + "/log", writer).forEach(e -> blocks.add(e.get("block").asText()));
            return blocks;
        } catch (Exception notYet) {
            return List.of();
        }
    }

    static HttpResponse<String> send(String method, String url, String json, String traceparent) throws Exception {
        return send(method, url, json, traceparent, writer);
    }

    static HttpResponse<String> send(String method, String url, String json, String traceparent, String token) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(120))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .header("traceparent", traceparent)
                .method(method, HttpRequest.BodyPublishers.ofString(json)).build();
        return LocalStack.HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    }

    static String hex(int bytes) {
        byte[] b = new byte[bytes];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }
}
