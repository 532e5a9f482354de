package dev.meldtown.events;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.EnumMap;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/** The JSON Schemas (draft 2020-12) for every event's {@code data}, loaded from this module's resources. */
public final class EventSchemas {
    private static final Map<EventType, JsonSchema> SCHEMAS = new EnumMap<>(EventType.class);

    static {
        JsonSchemaFactory factory = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);
        for (EventType type : EventType.values()) {
            try (InputStream in = EventSchemas.class.getResourceAsStream(type.schemaResource())) {
                if (in == null) {
                    throw new IllegalStateException("missing schema " + type.schemaResource());
                }
                SCHEMAS.put(type, factory.getSchema(EventCodec.mapper().readTree(in)));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private EventSchemas() {
    }

    /** Validation messages; empty when {@code data} conforms. */
    public static Set<String> validate(EventType type, JsonNode data) {
        return SCHEMAS.get(type).validate(data).stream().map(ValidationMessage::getMessage).collect(Collectors.toSet());
    }

    static void requireValid(EventType type, JsonNode data) {
        Set<String> errors = validate(type, data);
        if (!errors.isEmpty()) {
            throw new EventCodec.InvalidEventException(type.type() + " data violates its schema: " + errors);
        }
    }
}
