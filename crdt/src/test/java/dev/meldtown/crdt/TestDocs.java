package dev.meldtown.crdt;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** Helpers shared by tests. */
final class TestDocs {
    private TestDocs() {
    }

    static ObjectNode obj(String json) {
        return (ObjectNode) CanonicalJson.parse(json.replace('\'', '"'));
    }

    static JsonNode json(String json) {
        return CanonicalJson.parse(json.replace('\'', '"'));
    }

    static String canon(JsonNode n) {
        return CanonicalJson.write(n);
    }
}
