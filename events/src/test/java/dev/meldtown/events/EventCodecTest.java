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
    void aRowLevelResolutionCarriesItsResolutionAndOtherResultsLeaveItOut() throws Exception {
        var conflict = new Payloads.Conflict("tasks", Map.of("id", 1), Map.of("id", 1), Map.of("id", 1), null);
        var resolved = new Payloads.SyncResult("acme", "north", "south", "manual", Instant.parse("2026-11-22T10:00:00Z"),
                Instant.parse("2026-11-22T10:00:01Z"), true, true, true, 1, 2, H1, H2, List.of(conflict), 1, null, null,
                new Payloads.Resolution(H1, H2, 0, 1, 0));
        var completed = Payloads.SyncCompleted.of(resolved, "req-2");
        byte[] bytes = EventCodec.encode(EventType.SYNC_COMPLETED, "north", completed);
        assertThat(EventCodec.mapper().readTree(bytes).at("/data/resolution/theirs").asInt()).isEqualTo(1);
        assertThat(EventCodec.data(EventCodec.decode(bytes), Payloads.SyncCompleted.class)).isEqualTo(completed);

        var plain = Payloads.SyncCompleted.of(new Payloads.SyncResult("acme", "north", "south", "ours", Instant.parse("2026-11-22T10:00:00Z"),
                Instant.parse("2026-11-22T10:00:01Z"), true, true, true, 0, 0, H1, H1, List.of(), 0, null, null), "req-3");
        JsonNode data = EventCodec.mapper().readTree(EventCodec.encode(EventType.SYNC_COMPLETED, "north", plain)).get("data");
        assertThat(data.has("resolution")).isFalse();
        // additive: the field is optional, and a malformed one is off-contract
        var broken = (com.fasterxml.jackson.databind.node.ObjectNode) EventCodec.mapper().readTree(bytes).get("data").deepCopy();
        ((com.fasterxml.jackson.databind.node.ObjectNode) broken.get("resolution")).put("ours", -1);
        assertThat(EventSchemas.validate(EventType.SYNC_COMPLETED, broken)).isNotEmpty();
        assertThat(EventSchemas.validate(EventType.SYNC_COMPLETED, data)).isEmpty();
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

    @Test
    void deletionsAreBlocksTopicEventsKeyedByTheirDocumentAndTheirDataIsChecked() {
        var doc = new Payloads.DocDeleted("acme", "todo", "tenant");
        CloudEvent event = EventCodec.decode(EventCodec.encode(EventType.DOC_DELETED, "todo", doc));
        assertThat(event.getType()).isEqualTo("dev.meldtown.doc.deleted");
        assertThat(EventType.DOC_DELETED.topic()).isEqualTo(Topics.BLOCKS);
        assertThat(EventCodec.data(event, Payloads.DocDeleted.class)).isEqualTo(doc);
        var replica = new Payloads.ReplicaDeleted("acme", "todo", "alice");
        CloudEvent r = EventCodec.decode(EventCodec.encode(EventType.REPLICA_DELETED, "todo", replica));
        assertThat(EventType.REPLICA_DELETED.topic()).isEqualTo(Topics.BLOCKS);
        assertThat(EventCodec.data(r, Payloads.ReplicaDeleted.class)).isEqualTo(replica);
        assertThatThrownBy(() -> EventCodec.encode(EventType.DOC_DELETED, "todo", new Payloads.DocDeleted("acme", "todo", "everything")))
                .isInstanceOf(EventCodec.InvalidEventException.class);
        assertThatThrownBy(() -> EventCodec.encode(EventType.REPLICA_DELETED, "todo", new Payloads.ReplicaDeleted("acme", "todo", "../x")))
                .isInstanceOf(EventCodec.InvalidEventException.class);
    }

    @Test
    void traceContextRidesInTheCloudEventsTracingExtensionAndIsReadBack() throws Exception {
        var data = new Payloads.BlockCommitted("acme", "todo", "alice", H1, List.of(H2), List.of(H2), 123);
        var trace = new TraceContext("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", "vendor=x");
        byte[] bytes = EventCodec.encode(EventType.BLOCK_COMMITTED, EventType.Sources.BLOCK_STORE, "todo", data, trace);

        JsonNode json = EventCodec.mapper().readTree(bytes);
        assertThat(json.get("traceparent").asText()).isEqualTo("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
        assertThat(json.get("tracestate").asText()).isEqualTo("vendor=x");
        CloudEvent event = EventCodec.decode(bytes);
        assertThat(EventCodec.trace(event)).contains(trace);
        assertThat(trace.traceId()).isEqualTo("0af7651916cd43dd8448eb211c80319c");
        assertThat(trace.parentId()).isEqualTo("b7ad6b7169203331");
        assertThat(EventCodec.data(event, Payloads.BlockCommitted.class)).isEqualTo(data); // the data is untouched

        // without a trace: no extension at all (the event is exactly what it was before tracing)
        JsonNode plain = EventCodec.mapper().readTree(EventCodec.encode(EventType.BLOCK_COMMITTED, "todo", data));
        assertThat(plain.has("traceparent")).isFalse();
        assertThat(EventCodec.trace(EventCodec.decode(EventCodec.encode(EventType.BLOCK_COMMITTED, "todo", data)))).isEmpty();
        // a malformed traceparent from some other emitter does not make the event invalid; it is just not a trace
        String odd = new String(bytes, StandardCharsets.UTF_8).replace("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", "garbage");
        CloudEvent oddEvent = EventCodec.decode(odd.getBytes(StandardCharsets.UTF_8));
        assertThat(EventCodec.trace(oddEvent)).isEmpty();
        assertThat(EventCodec.data(oddEvent, Payloads.BlockCommitted.class)).isEqualTo(data);
        assertThatThrownBy(() -> new TraceContext("00-xyz", null)).isInstanceOf(IllegalArgumentException.class);
    }
}
