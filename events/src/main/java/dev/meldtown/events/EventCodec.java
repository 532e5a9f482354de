package dev.meldtown.events;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.cloudevents.CloudEvent;
import io.cloudevents.core.builder.CloudEventBuilder;
import io.cloudevents.core.format.EventDeserializationException;
import io.cloudevents.jackson.JsonFormat;
import java.io.IOException;
import java.net.URI;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.UUID;

/**
 * Encodes and decodes events as CloudEvents 1.0 structured JSON (the record value on Kafka). Every encoded
 * {@code data} is validated against its JSON Schema first, so no service can emit an event off-contract.
 */
public final class EventCodec {
    private static final ObjectMapper MAPPER = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    private static final JsonFormat FORMAT = new JsonFormat();

    private EventCodec() {
    }

    public static ObjectMapper mapper() {
        return MAPPER;
    }

    /** A structured-mode CloudEvent for {@code data}; {@code subject} is the doc or town. */
    public static byte[] encode(EventType type, String subject, Object data) {
        return encode(type, type.source(), subject, data);
    }

    /**
     * As {@link #encode(EventType, String, Object)}, with the CloudEvents {@code source} of the emitting service when
     * it is not the type's usual one (e.g. the merge-service announcing a block it committed).
     */
    public static byte[] encode(EventType type, String source, String subject, Object data) {
        return encode(type, source, subject, data, null);
    }

    /**
     * As {@link #encode(EventType, String, String, Object)}, with the CloudEvents Distributed Tracing extension
     * ({@code traceparent}, {@code tracestate}) set from {@code trace} when it is not null.
     */
    public static byte[] encode(EventType type, String source, String subject, Object data, TraceContext trace) {
        if (!type.payload().isInstance(data)) {
            throw new IllegalArgumentException(type.type() + " carries " + type.payload().getSimpleName() + ", not " + data.getClass().getSimpleName());
        }
        JsonNode tree = MAPPER.valueToTree(data);
        EventSchemas.requireValid(type, tree);
        try {
            CloudEventBuilder builder = CloudEventBuilder.v1();
            if (trace != null) {
                builder.withExtension(TraceContext.TRACEPARENT, trace.traceparent());
                if (trace.tracestate() != null) {
                    builder.withExtension(TraceContext.TRACESTATE, trace.tracestate());
                }
            }
            CloudEvent event = builder
                    .withId(UUID.randomUUID().toString())
                    .withSource(URI.create(source))
                    .withType(type.type())
                    .withSubject(subject)
                    .withTime(OffsetDateTime.now(ZoneOffset.UTC))
                    .withDataContentType("application/json")
                    .withData(MAPPER.writeValueAsBytes(tree))
                    .build();
            return FORMAT.serialize(event);
        } catch (IOException e) {
            throw new IllegalStateException("could not encode " + type.type(), e);
        }
    }

    /** Parses a structured CloudEvent; throws {@link InvalidEventException} on anything off-contract. */
    public static CloudEvent decode(byte[] value) {
        try {
            CloudEvent event = FORMAT.deserialize(value);
            if (event.getType() == null || EventType.of(event.getType()).isEmpty()) {
                throw new InvalidEventException("unknown event type " + event.getType());
            }
            return event;
        } catch (EventDeserializationException | IllegalArgumentException | IllegalStateException e) {
            throw new InvalidEventException("not a CloudEvents 1.0 structured JSON event: " + e.getMessage());
        }
    }

    /** The event's W3C trace context (its {@code traceparent} extension), if it carries a well-formed one. */
    public static java.util.Optional<TraceContext> trace(CloudEvent event) {
        Object parent = event.getExtension(TraceContext.TRACEPARENT);
        if (parent == null) {
            return java.util.Optional.empty();
        }
        Object state = event.getExtension(TraceContext.TRACESTATE);
        try {
            return java.util.Optional.of(new TraceContext(parent.toString(), state == null ? null : state.toString()));
        } catch (IllegalArgumentException malformed) {
            return java.util.Optional.empty(); // an unusable trace context does not make the event invalid
        }
    }

    /** The event's {@code data}, checked against its schema and bound to the payload record. */
    public static <T> T data(CloudEvent event, Class<T> payload) {
        EventType type = EventType.of(event.getType()).orElseThrow(() -> new InvalidEventException("unknown event type " + event.getType()));
        if (!type.payload().equals(payload)) {
            throw new InvalidEventException(type.type() + " carries " + type.payload().getSimpleName());
        }
        if (event.getData() == null) {
            throw new InvalidEventException(type.type() + " has no data");
        }
        try {
            JsonNode tree = MAPPER.readTree(event.getData().toBytes());
            EventSchemas.requireValid(type, tree);
            return MAPPER.treeToValue(tree, payload);
        } catch (IOException e) {
            throw new InvalidEventException(type.type() + " data is not valid JSON: " + e.getMessage());
        }
    }

    /** An event that cannot be processed: a consumer sends it to a dead-letter topic with this reason. */
    public static final class InvalidEventException extends RuntimeException {
        public InvalidEventException(String message) {
            super(message);
        }
    }
}
