package dev.meldtown.crdt;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meldtown.crdt.internal.Json;
import java.util.Comparator;

/**
 * JSON exactly as serde_json 1.x (default features) reads and writes it. Every Melda hash is taken over these
 * bytes, so they must match Rust byte for byte: compact, keys sorted by UTF-8 byte order (= code point order,
 * not Java's UTF-16 order), serde's escapes, u64/i64 integers, ryu float layout.
 */
public final class CanonicalJson {
    /** Sorts strings by code point, which equals UTF-8 byte order. */
    public static final Comparator<String> KEY_ORDER = Json.KEY_ORDER;

    private CanonicalJson() {
    }

    public static JsonNodeFactory nodes() {
        return Json.nodes();
    }

    /**
     * Parses JSON text (UTF-8) as serde_json reads it; throws {@link CorruptDataException} if invalid. Numbers:
     * integers in u64/i64 range stay integers, everything else becomes an f64, and the integer literal {@code -0}
     * becomes {@code -0.0} (serde_json parses a negative zero integer as a float; observed with libmelda-tools).
     * Nesting deeper than serde_json's recursion limit ({@link DocumentLimits#MAX_STORED_DEPTH}, 127 levels) is
     * rejected, as serde_json does: this is how every stored file (delta, pack object, index) is read.
     */
    public static JsonNode parse(byte[] utf8) {
        return Json.parse(utf8);
    }

    /** As {@link #parse(byte[])}, from a string. */
    public static JsonNode parse(String text) {
        return Json.parse(text);
    }

    /** Parses and requires a JSON object. */
    public static ObjectNode parseObject(byte[] utf8) {
        return Json.parseObject(utf8);
    }

    /** Applies serde_json's number model: u64 or i64 integers, anything else as f64. */
    public static JsonNode normalize(JsonNode n) {
        return Json.normalize(n);
    }

    /** Compact canonical serialization as a Java string. */
    public static String write(JsonNode n) {
        return Json.write(n);
    }

    /** Compact canonical serialization as UTF-8 bytes: these are the bytes Melda hashes and stores. */
    public static byte[] bytes(JsonNode n) {
        return Json.bytes(n);
    }

    /** sha256 hex of the canonical bytes. */
    public static String sha256(JsonNode n) {
        return Json.sha256(n);
    }
}
