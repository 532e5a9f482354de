package dev.meldtown.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.cloudevents.CloudEvent;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EventCodecTest {
    private static final String H1 = "a".repeat(64);
    private static final String H2 = "b".repeat(64);

    @Test
    void blockCommittedIsAStructuredCloudEventWithContractAttributes() throws Exception {
        var data = new Payloads.BlockCommitted("acme", "todo", "alice", H1, List.of(H2), List.of(H2), 123);
        byte[] bytes = EventCodec.encode(EventType.BLOCK_COMMITTED, "todo", data);

        JsonNode json = EventCodec.mapper().readTree(bytes);
        assertThat(json.get("specversion").asText()).isEqualTo("1.0");
        assertThat(json.get("type").asText()).isEqualTo("dev.meldtown.block.committed");
        assertThat(json.get("source").asText()).isEqualTo("/meldtown/block-store");
        assertThat(json.get("subject").asText()).isEqualTo("todo");
        assertThat(json.get("id").asText()).isNotBlank();
        assertThat(json.get("data").get("parents").get(0).asText()).isEqualTo(H2);

        CloudEvent event = EventCodec.decode(bytes);
        assertThat(EventCodec.data(event, Payloads.BlockCommitted.class)).isEqualTo(data);
    }

    @Test
    void anotherEmitterNamesItselfAsSourceAndTheDataIsStillValidated() {
        var data = new Payloads.BlockCommitted("acme", "todo", "hub", H1, List.of(H2), List.of(), 9);
        CloudEvent event = EventCodec.decode(EventCodec.encode(EventType.BLOCK_COMMITTED, EventType.Sources.MERGE, "todo", data));
        assertThat(event.getSource().toString()).isEqualTo("/meldtown/merge");
        assertThat(EventCodec.data(event, Payloads.BlockCommitted.class)).isEqualTo(data);
        var bad = new Payloads.BlockCommitted("acme", "todo", "hub", "nothex", List.of(), List.of(), 9);
        assertThatThrownBy(() -> EventCodec.encode(EventType.BLOCK_COMMITTED, EventType.Sources.MERGE, "todo", bad))
                .isInstanceOf(EventCodec.InvalidEventException.class);
    }

    @Test
    void everyEncodedEventHasAUniqueId() throws Exception {
        var data = new Payloads.MergeRequested("acme", "todo", "alice", "hub", "r1");
        String a = EventCodec.mapper().readTree(EventCodec.encode(EventType.MERGE_REQUESTED, "todo", data)).get("id").asText();
        String b = EventCodec.mapper().readTree(EventCodec.encode(EventType.MERGE_REQUESTED, "todo", data)).get("id").asText();
        assertThat(a).isNotEqualTo(b);
    }

    @Test
    void syncCompletedCarriesTheWholeSyncResultAndRoundTrips() {
        var conflict = new Payloads.Conflict("issues", Map.of("id", "bd-1"), Map.of("title", "a"), Map.of("title", "b"), Map.of("title", "c"));
        var result = new Payloads.SyncResult("acme", "north", "south", "manual", Instant.parse("2026-11-22T10:00:00Z"),
                Instant.parse("2026-11-22T10:00:01Z"), true, false, false, 0, 0, "abc", "abc", List.of(conflict), 0,
                new Payloads.Error("conflict", "1 conflicting row"), null);
        var completed = Payloads.SyncCompleted.of(result, "req-1");
        CloudEvent event = EventCodec.decode(EventCodec.encode(EventType.SYNC_COMPLETED, "north", completed));
        assertThat(EventCodec.data(event, Payloads.SyncCompleted.class)).isEqualTo(completed);
    }

    @Test
    void dataOffContractIsRefusedBeforeItIsEmitted() {
        var bad = new Payloads.BlockCommitted("Acme", "todo", "alice", "not-a-hash", List.of(), List.of(), 1);
        assertThatThrownBy(() -> EventCodec.encode(EventType.BLOCK_COMMITTED, "todo", bad))
                .isInstanceOf(EventCodec.InvalidEventException.class)
                .hasMessageContaining("violates its schema");
        var badStrategy = new Payloads.SyncRequested("acme", "north", "south", "lww", "r");
        assertThatThrownBy(() -> EventCodec.encode(EventType.SYNC_REQUESTED, "north", badStrategy))
                .isInstanceOf(EventCodec.InvalidEventException.class);
    }

    @Test
    void garbageAndUnknownTypesAreTypedErrors() {
        assertThatThrownBy(() -> EventCodec.decode("not json".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(EventCodec.InvalidEventException.class);
        String unknown = "{\"specversion\":\"1.0\",\"id\":\"1\",\"source\":\"/x\",\"type\":\"dev.meldtown.nope\"}";
        assertThatThrownBy(() -> EventCodec.decode(unknown.getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(EventCodec.InvalidEventException.class)
                .hasMessageContaining("unknown event type");
    }

    @Test
    void everyTypeHasASchemaThatRejectsAnEmptyObject() {
        for (EventType type : EventType.values()) {
            assertThat(EventSchemas.validate(type, EventCodec.mapper().createObjectNode())).as(type.type()).isNotEmpty();
        }
    }
}
