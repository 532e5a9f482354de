package dev.meldtown.blockstore;

import static dev.meldtown.blockstore.Fixtures.as;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.meldtown.events.EventCodec;
import dev.meldtown.events.EventSchemas;
import dev.meldtown.events.EventType;
import dev.meldtown.events.Payloads;
import dev.meldtown.events.Topics;
import dev.meldtown.testkit.SseClient;
import dev.meldtown.testkit.Tokens;
import dev.meldtown.testkit.quarkus.KafkaTestResource;
import dev.meldtown.testkit.quarkus.S3TestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/**
 * {@code GET …/docs/{doc}/events} (issue 13): a real HTTP client reads the Server-Sent Events while documents are
 * committed through the API, against the real in-JVM Kafka and S3Proxy.
 */
@QuarkusTest
@QuarkusTestResource(value = KafkaTestResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = S3TestResource.class, restrictToAnnotatedClass = true)
class ChangeFeedTest {
    static final Duration WAIT = Duration.ofSeconds(20);

    @TestHTTPResource("/")
    URL base;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    @Test
    void aCommitArrivesLiveAsItsCloudEventAndOtherDocumentsDoNot() throws Exception {
        String doc = Fixtures.uniqueDoc();
        String other = Fixtures.uniqueDoc();
        commit(doc, "{\"n\":0}");
        commit(other, "{\"n\":0}");
        try (SseClient feed = open("acme", doc, "reader", null)) {
            assertThat(feed.status()).isEqualTo(200);
            assertThat(feed.header("content-type")).startsWith("text/event-stream");
            assertThat(feed.header("cache-control")).isEqualTo("no-store");
            commit(other, "{\"n\":1}");
            String block = commit(doc, "{\"n\":1}");

            SseClient.Event e = feed.take(1, WAIT).get(0);
            assertThat(e.event()).isEqualTo(EventType.BLOCK_COMMITTED.type());
            assertThat(e.id()).isNotBlank();
            var event = EventCodec.decode(e.data().getBytes(StandardCharsets.UTF_8));
            assertThat(event.getSubject()).isEqualTo(doc);
            Payloads.BlockCommitted data = EventCodec.data(event, Payloads.BlockCommitted.class);
            assertThat(data.tenant()).isEqualTo("acme");
            assertThat(data.doc()).isEqualTo(doc);
            assertThat(data.block()).isEqualTo(block);
            assertThat(EventSchemas.validate(EventType.BLOCK_COMMITTED, EventCodec.mapper().readTree(event.getData().toBytes()))).isEmpty();
            // the other document's commits never show up, and an idle stream gets comments (1 s in the test profile)
            assertThat(feed.next(Duration.ofMillis(2500))).isNull();
            assertThat(feed.comments()).contains("keep-alive");
        }
    }

    @Test
    void merges() throws Exception {
        String doc = Fixtures.uniqueDoc();
        commit(doc, "{\"n\":0}");
        try (SseClient feed = open("acme", doc, "reader", null)) {
            String requestId = as("acme", "writer").contentType(ContentType.JSON).body("{\"source\":\"hub\"}")
                    .post("/v1/tenants/acme/docs/{doc}/replicas/copy/meld", doc).then().statusCode(202).extract().path("requestId");
            SseClient.Event e = feed.take(1, WAIT).get(0);
            assertThat(e.event()).isEqualTo(EventType.MERGE_REQUESTED.type());
            JsonNode data = EventCodec.mapper().readTree(EventCodec.decode(e.data().getBytes(StandardCharsets.UTF_8)).getData().toBytes());
            assertThat(data.get("requestId").asText()).isEqualTo(requestId);
        }
    }

    @Test
    void aClientThatReconnectsWithLastEventIdGetsExactlyWhatItMissed() throws Exception {
        String doc = Fixtures.uniqueDoc();
        commit(doc, "{\"n\":0}");
        List<String> blocks = new ArrayList<>();
        SseClient.Event first;
        try (SseClient feed = open("acme", doc, "reader", null)) {
            blocks.add(commit(doc, "{\"n\":1}"));
            blocks.add(commit(doc, "{\"n\":2}"));
            List<SseClient.Event> got = feed.take(2, WAIT);
            assertThat(got).extracting(ChangeFeedTest::block).containsExactly(blocks.get(0), blocks.get(1));
            first = got.get(0);
        }
        // the client saw two events but only processed the first, then went away; two more commits happen meanwhile
        blocks.add(commit(doc, "{\"n\":3}"));
        blocks.add(commit(doc, "{\"n\":4}"));
        try (SseClient feed = open("acme", doc, "reader", first.id())) {
            assertThat(feed.status()).isEqualTo(200);
            List<SseClient.Event> missed = feed.take(3, WAIT);
            assertThat(missed).extracting(ChangeFeedTest::block).containsExactly(blocks.get(1), blocks.get(2), blocks.get(3));
            blocks.add(commit(doc, "{\"n\":5}"));
            SseClient.Event live = feed.take(1, WAIT).get(0);
            assertThat(block(live)).isEqualTo(blocks.get(4));
            assertThat(feed.next(Duration.ofMillis(1500))).as("no duplicates").isNull();

            // and resuming from the newest id gives nothing old, only what comes next
            try (SseClient again = open("acme", doc, "reader", live.id())) {
                assertThat(again.next(Duration.ofMillis(1500))).isNull();
                blocks.add(commit(doc, "{\"n\":6}"));
                assertThat(block(again.take(1, WAIT).get(0))).isEqualTo(blocks.get(5));
                assertThat(again.next(Duration.ofMillis(1000))).isNull();
            }
        }
    }

    @Test
    void onlyReadersOfTheOwnTenantMayListen() throws Exception {
        String doc = Fixtures.uniqueDoc();
        commit(doc, "{\"n\":0}");
        try (SseClient foreign = open("acme", doc, null, null, Tokens.token("globex", "admin"))) {
            assertThat(foreign.status()).isEqualTo(403);
            assertThat(foreign.header("content-type")).startsWith("application/problem+json");
        }
        try (SseClient none = open("acme", doc, null, null, null)) {
            assertThat(none.status()).isEqualTo(401);
        }
        try (SseClient auditor = open("acme", doc, null, null, Tokens.sign(Tokens.ISSUER, "acme", "[\"auditor\"]", System.currentTimeMillis() / 1000 + 600))) {
            assertThat(auditor.status()).isEqualTo(403);
        }
        try (SseClient missing = open("acme", Fixtures.uniqueDoc(), "reader", null)) {
            assertThat(missing.status()).isEqualTo(404);
            assertThat(missing.body()).contains("\"status\":404");
        }
        try (SseClient badName = open("acme", "Bad_Name", "reader", null)) {
            assertThat(badName.status()).isEqualTo(400);
        }
        // globex's own feed of a document of that name does not show acme's events
        commit(doc, "{\"n\":0}", "globex");
        try (SseClient globex = open("globex", doc, "reader", null)) {
            assertThat(globex.status()).isEqualTo(200);
            commit(doc, "{\"n\":1}");
            assertThat(globex.next(Duration.ofSeconds(2))).isNull();
        }
    }

    @Test
    void aMalformedOrForeignLastEventIdIs400BeforeTheStreamStarts() throws Exception {
        String doc = Fixtures.uniqueDoc();
        commit(doc, "{\"n\":0}");
        List<String> bad = List.of("not base64!", b64("garbage"), b64("sync1|0.0=1"), b64("doc1|"), b64("doc1|7.0=1"),
                b64("doc1|0.999=1"), b64("doc1|0.0=1,0.0=2"), b64("doc1|0.0=99999999999999999999"),
                b64("doc1|0.0=" + Long.MAX_VALUE), "A".repeat(9000));
        for (String id : bad) {
            try (SseClient feed = open("acme", doc, "reader", id)) {
                assertThat(feed.status()).as(id).isEqualTo(400);
                assertThat(feed.header("content-type")).startsWith("application/problem+json");
                assertThat(feed.body()).contains("invalid-last-event-id");
            }
        }
        RestAssured.given().header("Authorization", "Bearer " + Tokens.token("acme", "reader"))
                .get("/v1/tenants/acme/docs/{doc}/events?maxSeconds=abc", doc).then().statusCode(400).contentType("application/problem+json");
        // a client that only takes JSON gets a problem, not a stream (and not a 500)
        RestAssured.given().header("Authorization", "Bearer " + Tokens.token("acme", "reader")).accept("application/json")
                .get("/v1/tenants/acme/docs/{doc}/events", doc).then().statusCode(406).contentType("application/problem+json");
    }

    @Test
    void aClientThatNeverReadsHoldsUpNobodyAndIsDroppedWhenTooFarBehind() throws Exception {
        String doc = Fixtures.uniqueDoc();
        commit(doc, "{\"n\":0}");
        String token = Tokens.token("acme", "reader");
        double droppedBefore = droppedTooFarBehind();
        try (Socket slow = new Socket()) {
            slow.setReceiveBufferSize(4096);
            slow.connect(new java.net.InetSocketAddress("127.0.0.1", base.getPort()));
            slow.getOutputStream().write(("GET /v1/tenants/acme/docs/" + doc + "/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
                    + token + "\r\nAccept: text/event-stream\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            slow.getOutputStream().flush();
            Thread.sleep(1000); // its stream is open, and from here on it reads nothing
            try (SseClient fast = open("acme", doc, "reader", null)) {
                // many large events (published straight to Kafka, as the service would) fill the slow client's socket
                int count = 3000;
                publishBlocks(doc, count);
                List<SseClient.Event> got = fast.take(count, Duration.ofSeconds(60));
                assertThat(got).hasSize(count);
                assertThat(got.stream().map(SseClient.Event::id).distinct().count()).isEqualTo(count);
                // the slow one kept more than max-behind (100 in the test profile) writes waiting for max-stall (5 s in the test profile) and was dropped
                long deadline = System.nanoTime() + WAIT.toNanos();
                while (droppedTooFarBehind() < droppedBefore + 1 && System.nanoTime() < deadline) {
                    Thread.sleep(200);
                }
                assertThat(droppedTooFarBehind()).isEqualTo(droppedBefore + 1);
                // the fast client is still live
                String block = commit(doc, "{\"n\":1}");
                assertThat(block(fast.take(1, WAIT).get(0))).isEqualTo(block);
            }
        }
    }

    @Test
    void streamsPerTenantAreBoundedWith503AndRetryAfter() throws Exception {
        String tenant = "feeds-" + UUID.randomUUID().toString().substring(0, 6);
        String doc = Fixtures.uniqueDoc();
        commit(doc, "{\"n\":0}", tenant);
        List<SseClient> open = new ArrayList<>();
        try {
            for (int i = 0; i < 4; i++) {
                open.add(open(tenant, doc, "reader", null));
                assertThat(open.get(i).status()).isEqualTo(200);
            }
            try (SseClient fifth = open(tenant, doc, "reader", null)) {
                assertThat(fifth.status()).isEqualTo(503);
                assertThat(fifth.header("retry-after")).isNotBlank();
                assertThat(fifth.body()).contains("too-many-streams");
            }
            // another tenant is not affected
            String doc2 = Fixtures.uniqueDoc();
            commit(doc2, "{\"n\":0}");
            try (SseClient acme = open("acme", doc2, "reader", null)) {
                assertThat(acme.status()).isEqualTo(200);
            }
            // a stream that ends frees its place
            open.remove(0).close();
            long deadline = System.nanoTime() + WAIT.toNanos();
            int status = 0;
            while (status != 200 && System.nanoTime() < deadline) {
                try (SseClient again = open(tenant, doc, "reader", null)) {
                    status = again.status();
                }
                Thread.sleep(200);
            }
            assertThat(status).isEqualTo(200);
        } finally {
            open.forEach(SseClient::close);
        }
    }

    @Test
    void maxSecondsEndsTheStream() throws Exception {
        String doc = Fixtures.uniqueDoc();
        commit(doc, "{\"n\":0}");
        try (SseClient feed = SseClient.open(URI.create(base + "v1/tenants/acme/docs/" + doc + "/events?maxSeconds=1"), Tokens.token("acme", "reader"), null)) {
            assertThat(feed.status()).isEqualTo(200);
            assertThat(feed.awaitEnd(Duration.ofSeconds(10))).isTrue();
        }
    }

    @Test
    void theOpenApiDocumentDescribesTheStream() throws Exception {
        JsonNode op = EventCodec.mapper().readTree(RestAssured.given().accept("application/json").get("/q/openapi?format=json").asString())
                .path("paths").path("/v1/tenants/{tenant}/docs/{doc}/events").path("get");
        assertThat(op.path("responses").path("200").path("content").has("text/event-stream")).as(op.toString()).isTrue();
        assertThat(op.path("description").asText()).contains("Last-Event-ID", "CloudEvent");
        List<String> headers = new ArrayList<>();
        op.path("parameters").forEach(p -> headers.add(p.path("in").asText() + ":" + p.path("name").asText()));
        assertThat(headers).contains("header:Last-Event-ID", "query:maxSeconds");
        assertThat(op.path("responses").path("400").path("content").has("application/problem+json")).isTrue();
    }

    private double droppedTooFarBehind() {
        String metrics = RestAssured.get("/q/metrics").asString();
        return metrics.lines().filter(l -> l.startsWith("meldtown_feeds_streams_closed_total") && l.contains("reason=\"too-far-behind\""))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    private void publishBlocks(String doc, int count) throws Exception {
        Map<String, Object> config = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ProducerConfig.LINGER_MS_CONFIG, 20);
        try (var producer = new KafkaProducer<String, byte[]>(config, new StringSerializer(), new ByteArraySerializer())) {
            List<String> parents = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                parents.add(hex(i));
            }
            for (int i = 0; i < count; i++) {
                var data = new Payloads.BlockCommitted("acme", doc, "hub", hex(100_000 + i), parents, List.of(), 1000L);
                producer.send(new ProducerRecord<>(Topics.BLOCKS, Topics.key("acme", doc), EventCodec.encode(EventType.BLOCK_COMMITTED, doc, data)));
            }
            producer.flush();
        }
    }

    private static String hex(int i) {
        return String.format("%064x", i);
    }

    private static String b64(String text) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(text.getBytes(StandardCharsets.US_ASCII));
    }

    private static String block(SseClient.Event e) {
        try {
            return EventCodec.data(EventCodec.decode(e.data().getBytes(StandardCharsets.UTF_8)), Payloads.BlockCommitted.class).block();
        } catch (RuntimeException ex) {
            throw new AssertionError("not a block.committed: " + e, ex);
        }
    }

    private SseClient open(String tenant, String doc, String role, String lastEventId) throws Exception {
        return open(tenant, doc, role, lastEventId, Tokens.token(tenant, role));
    }

    private SseClient open(String tenant, String doc, String role, String lastEventId, String token) throws Exception {
        return SseClient.open(URI.create(base + "v1/tenants/" + tenant + "/docs/" + doc + "/events"), token, lastEventId);
    }

    private static String commit(String doc, String json) {
        return commit(doc, json, "acme");
    }

    private static String commit(String doc, String json, String tenant) {
        return RestAssured.given().header("Authorization", "Bearer " + Tokens.token(tenant, "writer")).contentType(ContentType.JSON)
                .body("{\"document\":" + json + "}")
                .post("/v1/tenants/{t}/docs/{doc}/replicas/hub/commits", tenant, doc)
                .then().statusCode(201).extract().path("block");
    }
}
