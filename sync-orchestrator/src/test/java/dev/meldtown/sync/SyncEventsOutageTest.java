package dev.meldtown.sync;

import static dev.meldtown.sync.SyncFixtures.as;
import static dev.meldtown.sync.SyncFixtures.base;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;

import dev.meldtown.events.EventCodec;
import dev.meldtown.events.EventType;
import dev.meldtown.events.Payloads;
import dev.meldtown.events.Topics;
import dev.meldtown.sync.service.SyncEvents;
import dev.meldtown.testkit.EventsProbe;
import dev.meldtown.testkit.KafkaProcess;
import dev.meldtown.testkit.quarkus.DoltTownsTestResource;
import dev.meldtown.testkit.quarkus.KafkaProcessTestResource;
import dev.meldtown.testkit.quarkus.S3TestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/**
 * Issue 10 (chaos findings): an answered sync always gets its {@code sync.completed}, and an accepted asynchronous
 * sync is never held only in memory. With the real Kafka process stopped under the running service: a synchronous
 * sync still answers 200 and its event is kept in the S3 outbox, then sent once Kafka is back (one event, with one
 * id); an asynchronous sync is refused with 503 problem+json and Retry-After instead of being accepted and lost.
 */
@QuarkusTest
@TestProfile(SyncEventsOutageTest.Fast.class)
@QuarkusTestResource(value = KafkaProcessTestResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = S3TestResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = DoltTownsTestResource.class, restrictToAnnotatedClass = true,
        initArgs = @ResourceArg(name = "towns", value = "north,south"))
class SyncEventsOutageTest {
    public static class Fast implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("meldtown.sync-events.wait", "PT2S", "meldtown.sync-events.sweep-every", "1s");
        }
    }

    @Inject
    TownsConfig config;

    @Inject
    SyncEvents events;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    @ConfigProperty(name = "meldtown.test.kafka-dir")
    String kafkaDir;

    @Test
    void aSyncAnsweredWhileKafkaIsDownGetsItsEventAfterwardsAndAnAsyncSyncIsRefused() throws Exception {
        String tenant = SyncFixtures.tenant("o");
        for (String town : List.of("north", "south")) {
            try (Connection c = TownReadinessChecks.connect(config.towns().get(town)); Statement s = c.createStatement()) {
                s.execute("GRANT SUPER ON *.* TO 'fed'@'%'"); // Dolt's remotesapi takes pushes only from a SuperUser
            }
            SyncFixtures.register(config, tenant, town);
        }
        as(tenant).contentType(ContentType.JSON).body(Map.of("town", "south"))
                .when().put(base(tenant) + "/towns/north/peers/south").then().statusCode(200);
        String sync = base(tenant) + "/towns/north/peers/south/sync";

        KafkaProcess.stop(Path.of(kafkaDir));
        try {
            // answered: the sync ran, and its event waits in the outbox
            as(tenant).contentType(ContentType.JSON).body(Map.of("strategy", "theirs")).when().post(sync)
                    .then().statusCode(200).body("peer", equalTo("south"));
            assertThat(events.kept()).as("sync.completed kept in the outbox").isGreaterThanOrEqualTo(1);
            // not accepted: an asynchronous sync needs Kafka to hold it
            long start = System.nanoTime();
            as(tenant).contentType(ContentType.JSON).body(Map.of("strategy", "theirs")).when().post(sync + "?async=true")
                    .then().statusCode(503).contentType("application/problem+json").header("Retry-After", notNullValue())
                    .body("type", equalTo("https://meldtown.dev/problems/events-unavailable"));
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
        } finally {
            KafkaProcess.start(Path.of(kafkaDir));
        }

        // the kept event arrives once Kafka is back, and the outbox empties
        var kept = EventsProbe.await(bootstrap, Topics.SYNCS, s -> Topics.key(tenant, "north").equals(s.key())
                && EventType.SYNC_COMPLETED.type().equals(s.type()), 1, Duration.ofSeconds(90));
        assertThat(kept).hasSize(1);
        assertThat(EventCodec.data(kept.get(0).event(), Payloads.SyncCompleted.class).peer()).isEqualTo("south");
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (events.kept() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        assertThat(events.kept()).as("the outbox is empty once Kafka took the event").isZero();

        // with Kafka back, an asynchronous sync is accepted and completed
        String requestId = as(tenant).contentType(ContentType.JSON).body(Map.of("strategy", "theirs")).when().post(sync + "?async=true")
                .then().statusCode(202).extract().jsonPath().getString("requestId");
        var async = EventsProbe.await(bootstrap, Topics.SYNCS, s -> Topics.key(tenant, "north").equals(s.key())
                && EventType.SYNC_COMPLETED.type().equals(s.type())
                && requestId.equals(EventCodec.data(s.event(), Payloads.SyncCompleted.class).requestId()), 1, Duration.ofSeconds(60));
        assertThat(async).hasSize(1);
        // the request itself is on the topic, keyed by its town: any instance may run it
        assertThat(EventsProbe.await(bootstrap, Topics.SYNCS, s -> EventType.SYNC_REQUESTED.type().equals(s.type())
                && requestId.equals(EventCodec.data(s.event(), Payloads.SyncRequested.class).requestId()), 1, Duration.ofSeconds(10)))
                .singleElement().extracting(EventsProbe.Seen::key).isEqualTo(Topics.key(tenant, "north"));

        // every sync.completed of this town was emitted once: no id twice
        var all = EventsProbe.await(bootstrap, Topics.SYNCS, s -> Topics.key(tenant, "north").equals(s.key())
                && EventType.SYNC_COMPLETED.type().equals(s.type()), 3, Duration.ofSeconds(3));
        Set<String> ids = new HashSet<>();
        all.forEach(s -> assertThat(ids.add(s.event().getId())).as("event id %s once", s.event().getId()).isTrue());
        assertThat(all).hasSize(2);
    }
}
