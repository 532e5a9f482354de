package dev.meldtown.sync;

import static dev.meldtown.sync.SyncFixtures.as;
import static dev.meldtown.sync.SyncFixtures.base;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.meldtown.events.EventCodec;
import dev.meldtown.events.EventSchemas;
import dev.meldtown.events.EventType;
import dev.meldtown.events.Payloads;
import dev.meldtown.events.Topics;
import dev.meldtown.testkit.SseClient;
import dev.meldtown.testkit.Tokens;
import dev.meldtown.testkit.quarkus.DoltTownsTestResource;
import dev.meldtown.testkit.quarkus.KafkaTestResource;
import dev.meldtown.testkit.quarkus.S3TestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
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
 * {@code GET /v1/tenants/{tenant}/events} (issue 13): a real HTTP client reads the tenant's sync events as Server-Sent
 * Events while syncs run against real Dolt towns, with the real in-JVM Kafka and S3Proxy.
 */
@QuarkusTest
@QuarkusTestResource(value = KafkaTestResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = S3TestResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = DoltTownsTestResource.class, restrictToAnnotatedClass = true,
        initArgs = @ResourceArg(name = "towns", value = "north,south"))
class SyncFeedTest {
    static final Duration WAIT = Duration.ofSeconds(30);

    @TestHTTPResource("/")
    URL base;

    @Inject
    dev.meldtown.sync.TownsConfig config;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    @Test
    void aSyncThroughTheApiArrivesLiveAsItsSyncCompletedEvent() throws Exception {
        String tenant = SyncFixtures.tenant("feed");
        SyncFixtures.register(config, tenant, "north");
        SyncFixtures.register(config, tenant, "south");
        as(tenant).contentType(ContentType.JSON).body(Map.of("town", "south"))
                .put(base(tenant) + "/towns/north/peers/south").then().statusCode(200);
        try (SseClient feed = open(tenant, "reader", null);
             SseClient other = open(SyncFixtures.tenant("other"), "reader", null)) {
            assertThat(feed.status()).isEqualTo(200);
            assertThat(feed.header("content-type")).startsWith("text/event-stream");
            as(tenant).contentType(ContentType.JSON).body(Map.of("strategy", "theirs"))
                    .post(base(tenant) + "/towns/north/peers/south/sync").then().statusCode(200);

            SseClient.Event e = feed.take(1, WAIT).get(0);
            assertThat(e.event()).isEqualTo(EventType.SYNC_COMPLETED.type());
            var event = EventCodec.decode(e.data().getBytes(StandardCharsets.UTF_8));
            assertThat(event.getSubject()).isEqualTo("north");
            JsonNode data = EventCodec.mapper().readTree(event.getData().toBytes());
            assertThat(EventSchemas.validate(EventType.SYNC_COMPLETED, data)).isEmpty();
            assertThat(data.get("tenant").asText()).isEqualTo(tenant);
            assertThat(data.get("town").asText()).isEqualTo("north");
            assertThat(data.get("peer").asText()).isEqualTo("south");
            // another tenant's feed stays quiet
            assertThat(other.next(Duration.ofSeconds(2))).isNull();
            assertThat(other.comments()).contains("keep-alive");
        }
    }

    @Test
    void reconnectingWithLastEventIdGivesExactlyTheMissedEventsOfEveryTown() throws Exception {
        String tenant = SyncFixtures.tenant("feed");
        List<String> ids = new ArrayList<>();
        SseClient.Event first;
        try (SseClient feed = open(tenant, "reader", null)) {
            ids.add(publish(tenant, "north"));
            ids.add(publish(tenant, "south"));
            publish("not-" + tenant, "north");
            List<SseClient.Event> got = feed.take(2, WAIT);
            assertThat(got).extracting(SyncFeedTest::requestId).containsExactly(ids.get(0), ids.get(1));
            first = got.get(0);
        }
        ids.add(publish(tenant, "east"));
        ids.add(publish(tenant, "north"));
        try (SseClient feed = open(tenant, "reader", first.id())) {
            List<SseClient.Event> missed = feed.take(3, WAIT);
            assertThat(missed).extracting(SyncFeedTest::requestId).containsExactly(ids.get(1), ids.get(2), ids.get(3));
            ids.add(publish(tenant, "south"));
            assertThat(requestId(feed.take(1, WAIT).get(0))).isEqualTo(ids.get(4));
            assertThat(feed.next(Duration.ofMillis(1500))).as("no duplicates").isNull();
        }
    }

    @Test
    void onlyReadersOfTheOwnTenantAndWellFormedIds() throws Exception {
        String tenant = SyncFixtures.tenant("feed");
        try (SseClient foreign = SseClient.open(uri(tenant), Tokens.token("globex", "admin"), null)) {
            assertThat(foreign.status()).isEqualTo(403);
            assertThat(foreign.header("content-type")).startsWith("application/problem+json");
        }
        try (SseClient none = SseClient.open(uri(tenant), null, null)) {
            assertThat(none.status()).isEqualTo(401);
        }
        try (SseClient badTenant = SseClient.open(uri("Bad_Tenant"), Tokens.token("Bad_Tenant", "reader"), null)) {
            assertThat(badTenant.status()).isEqualTo(400);
        }
        for (String id : List.of("%%%", b64("doc1|0.0=1"), b64("sync1|1.0=1"), b64("sync1|0.0=" + Long.MAX_VALUE))) {
            try (SseClient feed = open(tenant, "reader", id)) {
                assertThat(feed.status()).as(id).isEqualTo(400);
                assertThat(feed.body()).contains("invalid-last-event-id");
            }
        }
        try (SseClient feed = SseClient.open(URI.create(uri(tenant) + "?maxSeconds=0"), Tokens.token(tenant, "reader"), null)) {
            assertThat(feed.status()).isEqualTo(400);
        }
    }

    private String publish(String tenant, String town) throws Exception {
        String requestId = UUID.randomUUID().toString();
        Instant now = Instant.now();
        var data = new Payloads.SyncCompleted(tenant, town, "peer", "ours", now, now, true, false, false, 0, 0, null, null,
                List.of(), 0, null, null, requestId);
        Map<String, Object> producerConfig = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        try (var producer = new KafkaProducer<String, byte[]>(producerConfig, new StringSerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(Topics.SYNCS, Topics.key(tenant, town), EventCodec.encode(EventType.SYNC_COMPLETED, town, data))).get();
        }
        return requestId;
    }

    private static String requestId(SseClient.Event e) {
        try {
            return EventCodec.mapper().readTree(EventCodec.decode(e.data().getBytes(StandardCharsets.UTF_8)).getData().toBytes())
                    .get("requestId").asText();
        } catch (java.io.IOException ex) {
            throw new AssertionError(ex);
        }
    }

    private static String b64(String text) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(text.getBytes(StandardCharsets.US_ASCII));
    }

    private URI uri(String tenant) {
        return URI.create(base + "v1/tenants/" + tenant + "/events");
    }

    private SseClient open(String tenant, String role, String lastEventId) throws Exception {
        return SseClient.open(uri(tenant), Tokens.token(tenant, role), lastEventId);
    }
}
