package dev.meldtown.crdt.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meldtown.crdt.CorruptDataException;
import dev.meldtown.crdt.DocumentLimits;
import dev.meldtown.crdt.InvalidDocumentException;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The implementation behind {@link dev.meldtown.crdt.CanonicalJson}, plus what only the library uses (parsing with
 * another depth limit, the scan of a pack's outer array, string escaping).
 *
 * <p>JSON exactly as serde_json 1.x (default features) reads and writes it. Every Melda hash is taken over these
 * bytes, so they must match Rust byte for byte: compact, keys sorted by UTF-8 byte order (= code point order,
 * not Java's UTF-16 order), serde's escapes, u64/i64 integers, ryu float layout.
 */
public final class Json {
    /** Sorts strings by code point, which equals UTF-8 byte order. */
    public static final Comparator<String> KEY_ORDER = Json::compareCodePoints;

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final BigInteger U64_MAX = new BigInteger("18446744073709551615");
    private static final BigInteger I64_MIN = BigInteger.valueOf(Long.MIN_VALUE);
    /**
     * Streaming parser only (trailing tokens are checked by hand; duplicate keys are allowed, the last wins, as in
     * serde_json): building an ObjectMapper costs a cold CLI run a few hundred classes and milliseconds.
     */
    private static final JsonFactory FACTORY = new JsonFactory();

    private Json() {
    }

    public static JsonNodeFactory nodes() {
        return NODES;
    }

    /**
     * Parses JSON text (UTF-8) as serde_json reads it; throws {@link CorruptDataException} if invalid. Numbers:
     * integers in u64/i64 range stay integers, everything else becomes an f64, and the integer literal {@code -0}
     * becomes {@code -0.0} (serde_json parses a negative zero integer as a float; observed with libmelda-tools).
     * Nesting deeper than serde_json's recursion limit ({@link DocumentLimits#MAX_STORED_DEPTH}, 127 levels) is
     * rejected, as serde_json does: this is how every stored file (delta, pack object, index) is read.
     */
    public static JsonNode parse(byte[] utf8) {
        return parse(utf8, MAX_DEPTH);
    }

    /** As {@link #parse(byte[])}, with at most {@code maxDepth} nested arrays/objects. */
    public static JsonNode parse(byte[] utf8, int maxDepth) {
        checkUtf8(utf8);
        try (JsonParser p = FACTORY.createParser(utf8)) {
            JsonToken t = p.nextToken();
            if (t == null) {
                throw new CorruptDataException("empty JSON input");
            }
            JsonNode n = read(p, t, 1, maxDepth);
            if (p.nextToken() != null) {
                throw new CorruptDataException("invalid JSON: trailing characters after the value");
            }
            return n;
        } catch (IOException e) {
            throw new CorruptDataException("invalid JSON: " + (e instanceof com.fasterxml.jackson.core.JsonProcessingException j ? j.getOriginalMessage() : e.getMessage()), e);
        }
    }

    /**
     * Checks, without building a tree, that {@code utf8} is one JSON array of objects as serde_json reads it
     * (valid UTF-8, at most {@link #MAX_DEPTH} levels, finite numbers, no lone surrogates, nothing after it).
     *
     * @return the number of objects in the array
     * @throws CorruptDataException naming what is wrong
     */
    public static int checkArrayOfObjects(byte[] utf8) {
        checkUtf8(utf8);
        try (JsonParser p = FACTORY.createParser(utf8)) {
            JsonToken t = p.nextToken();
            if (t != JsonToken.START_ARRAY) {
                throw new CorruptDataException(t == null ? "it is empty" : "it starts with " + t);
            }
            int n = 0;
            for (JsonToken e = p.nextToken(); e != JsonToken.END_ARRAY; e = p.nextToken()) {
                if (e != JsonToken.START_OBJECT) {
                    throw new CorruptDataException("element " + n + " is not a JSON object (" + e + ")");
                }
                skip(p, e, 2);
                n++;
            }
            if (p.nextToken() != null) {
                throw new CorruptDataException("invalid JSON: trailing characters after the array");
            }
            return n;
        } catch (IOException e) {
            throw new CorruptDataException("invalid JSON: " + (e instanceof com.fasterxml.jackson.core.JsonProcessingException j ? j.getOriginalMessage() : e.getMessage()), e);
        }
    }

    /** Reads past one value with the checks of {@link #read}, keeping only scalars transiently. */
    private static void skip(JsonParser p, JsonToken t, int depth) throws IOException {
        switch (t) {
            case START_OBJECT -> {
                checkDepth(depth, MAX_DEPTH);
                for (JsonToken k = p.nextToken(); k != JsonToken.END_OBJECT; k = p.nextToken()) {
                    checkSurrogates(p.currentName());
                    skip(p, p.nextToken(), depth + 1);
                }
            }
            case START_ARRAY -> {
                checkDepth(depth, MAX_DEPTH);
                for (JsonToken v = p.nextToken(); v != JsonToken.END_ARRAY; v = p.nextToken()) {
                    skip(p, v, depth + 1);
                }
            }
            default -> read(p, t, depth, MAX_DEPTH);
        }
    }

    /**
     * A streaming parser over {@code utf8}, once it has passed the UTF-8 check of {@link #parse(byte[])} (the caller
     * closes it). With {@link #name}, {@link #text}, {@link #readValue} and {@link #skipValue} it reads a value exactly
     * as {@link #parse(byte[])} does, for callers that need no tree of the whole.
     */
    public static JsonParser parser(byte[] utf8) throws IOException {
        checkUtf8(utf8);
        return FACTORY.createParser(utf8);
    }

    /** The current field name, with the check {@link #parse(byte[])} makes of every name. */
    public static String name(JsonParser p) throws IOException {
        return checkSurrogates(p.currentName());
    }

    /** The current string value, with the check {@link #parse(byte[])} makes of every string. */
    public static String text(JsonParser p) throws IOException {
        return checkSurrogates(p.getText());
    }

    /** The value that starts with {@code t}, read as {@link #parse(byte[])} reads it at nesting level {@code depth}. */
    public static JsonNode readValue(JsonParser p, JsonToken t, int depth) throws IOException {
        return read(p, t, depth, MAX_DEPTH);
    }

    /** Reads past the value that starts with {@code t}, with the checks of {@link #readValue}. */
    public static void skipValue(JsonParser p, JsonToken t, int depth) throws IOException {
        skip(p, t, depth);
    }

    /** serde_json's default recursion limit: 128 nested levels fail. */
    public static final int MAX_DEPTH = DocumentLimits.MAX_STORED_DEPTH;

    private static JsonNode read(JsonParser p, JsonToken t, int depth, int maxDepth) throws IOException {
        switch (t) {
            case START_OBJECT -> {
                checkDepth(depth, maxDepth);
                ObjectNode o = NODES.objectNode();
                for (JsonToken k = p.nextToken(); k != JsonToken.END_OBJECT; k = p.nextToken()) {
                    String name = checkSurrogates(p.currentName());
                    o.set(name, read(p, p.nextToken(), depth + 1, maxDepth)); // a duplicate key: the last one wins
                }
                return o;
            }
            case START_ARRAY -> {
                checkDepth(depth, maxDepth);
                ArrayNode a = NODES.arrayNode();
                for (JsonToken v = p.nextToken(); v != JsonToken.END_ARRAY; v = p.nextToken()) {
                    a.add(read(p, v, depth + 1, maxDepth));
                }
                return a;
            }
            case VALUE_STRING -> {
                return NODES.textNode(checkSurrogates(p.getText()));
            }
            case VALUE_NUMBER_INT -> {
                if ("-0".equals(p.getText())) {
                    return NODES.numberNode(-0.0d);
                }
                BigInteger b = p.getBigIntegerValue();
                if (b.signum() >= 0 ? b.compareTo(U64_MAX) <= 0 : b.compareTo(I64_MIN) >= 0) {
                    return b.bitLength() < 64 ? NODES.numberNode(b.longValue()) : NODES.numberNode(b);
                }
                return finite(b.doubleValue());
            }
            case VALUE_NUMBER_FLOAT -> {
                return finite(p.getDoubleValue());
            }
            case VALUE_TRUE -> {
                return NODES.booleanNode(true);
            }
            case VALUE_FALSE -> {
                return NODES.booleanNode(false);
            }
            case VALUE_NULL -> {
                return NODES.nullNode();
            }
            default -> throw new CorruptDataException("invalid JSON: unexpected " + t);
        }
    }

    /**
     * serde_json reads only valid UTF-8 (found by fuzzing: Jackson accepts encoded surrogates and overlong forms,
     * which we then could not write back).
     */
    private static void checkUtf8(byte[] b) {
        int i = 0;
        int n = b.length;
        while (i < n) {
            int c = b[i];
            if (c >= 0) {
                i++;
                continue;
            }
            c &= 0xff;
            int len;
            int min;
            if (c >= 0xc2 && c <= 0xdf) {
                len = 1;
                min = 0x80;
            } else if (c >= 0xe0 && c <= 0xef) {
                len = 2;
                min = 0x800;
            } else if (c >= 0xf0 && c <= 0xf4) {
                len = 3;
                min = 0x10000;
            } else {
                throw new CorruptDataException("invalid JSON: invalid UTF-8 at byte " + i);
            }
            if (i + len >= n) {
                throw new CorruptDataException("invalid JSON: truncated UTF-8 at byte " + i);
            }
            int cp = c & (0x3f >> len);
            for (int k = 1; k <= len; k++) {
                int cc = b[i + k] & 0xff;
                if ((cc & 0xc0) != 0x80) {
                    throw new CorruptDataException("invalid JSON: invalid UTF-8 at byte " + (i + k));
                }
                cp = (cp << 6) | (cc & 0x3f);
            }
            if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
                throw new CorruptDataException("invalid JSON: invalid UTF-8 at byte " + i);
            }
            i += len + 1;
        }
    }

    /** serde_json rejects {@code \\u} escapes that leave a lone surrogate (found by fuzzing). */
    private static String checkSurrogates(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isSurrogate(c)) {
                if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                    i++;
                } else {
                    throw new CorruptDataException("invalid JSON: lone surrogate in a \\u escape");
                }
            }
        }
        return s;
    }

    private static void checkDepth(int depth, int maxDepth) {
        if (depth > maxDepth) {
            throw new CorruptDataException("invalid JSON: nested deeper than " + maxDepth + " levels"
                    + (maxDepth == MAX_DEPTH ? " (serde_json's recursion limit)" : ""));
        }
    }

    public static JsonNode parse(String text) {
        return parse(text.getBytes(StandardCharsets.UTF_8));
    }

    /** Parses and requires a JSON object. */
    public static ObjectNode parseObject(byte[] utf8) {
        JsonNode n = parse(utf8);
        if (!n.isObject()) {
            throw new CorruptDataException("expected a JSON object, got " + n.getNodeType());
        }
        return (ObjectNode) n;
    }

    /** Applies serde_json's number model: u64 or i64 integers, anything else as f64. */
    public static JsonNode normalize(JsonNode n) {
        if (n.isObject()) {
            ObjectNode o = (ObjectNode) n;
            Iterator<Map.Entry<String, JsonNode>> it = o.fields();
            List<Map.Entry<String, JsonNode>> updates = new ArrayList<>();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                JsonNode c = normalize(e.getValue());
                if (c != e.getValue()) {
                    updates.add(Map.entry(e.getKey(), c));
                }
            }
            for (Map.Entry<String, JsonNode> e : updates) {
                o.set(e.getKey(), e.getValue());
            }
            return o;
        }
        if (n.isArray()) {
            ArrayNode a = (ArrayNode) n;
            for (int i = 0; i < a.size(); i++) {
                JsonNode c = normalize(a.get(i));
                if (c != a.get(i)) {
                    a.set(i, c);
                }
            }
            return a;
        }
        if (n.isIntegralNumber()) {
            BigInteger b = n.bigIntegerValue();
            if (b.signum() >= 0 ? b.compareTo(U64_MAX) <= 0 : b.compareTo(I64_MIN) >= 0) {
                return b.bitLength() < 64 ? NODES.numberNode(b.longValue()) : NODES.numberNode(b);
            }
            return finite(b.doubleValue());
        }
        if (n.isFloatingPointNumber()) {
            return n.isDouble() && Double.isFinite(n.doubleValue()) ? n : finite(n.doubleValue());
        }
        return n;
    }

    private static JsonNode finite(double d) {
        if (!Double.isFinite(d)) {
            throw new CorruptDataException("number out of range"); // serde_json rejects these too
        }
        return NODES.numberNode(d);
    }

    /** Compact canonical serialization as a Java string. */
    public static String write(JsonNode n) {
        StringBuilder sb = new StringBuilder();
        write(n, sb);
        return sb.toString();
    }

    /** Compact canonical serialization as UTF-8 bytes: these are the bytes Melda hashes and stores. */
    public static byte[] bytes(JsonNode n) {
        return write(n).getBytes(StandardCharsets.UTF_8);
    }

    /** sha256 hex of the canonical bytes. */
    public static String sha256(JsonNode n) {
        return Hashes.sha256Hex(bytes(n));
    }

    private static void write(JsonNode n, StringBuilder sb) {
        switch (n.getNodeType()) {
            case OBJECT -> {
                List<String> keys = new ArrayList<>();
                n.fieldNames().forEachRemaining(keys::add);
                keys.sort(KEY_ORDER);
                sb.append('{');
                boolean first = true;
                for (String k : keys) {
                    if (!first) {
                        sb.append(',');
                    }
                    first = false;
                    writeString(k, sb);
                    sb.append(':');
                    write(n.get(k), sb);
                }
                sb.append('}');
            }
            case ARRAY -> {
                sb.append('[');
                for (int i = 0; i < n.size(); i++) {
                    if (i > 0) {
                        sb.append(',');
                    }
                    write(n.get(i), sb);
                }
                sb.append(']');
            }
            case STRING -> writeString(n.textValue(), sb);
            case NUMBER -> writeNumber(n, sb);
            case BOOLEAN -> sb.append(n.booleanValue() ? "true" : "false");
            case NULL -> sb.append("null");
            default -> throw new IllegalArgumentException("not JSON data: " + n.getNodeType());
        }
    }

    private static void writeNumber(JsonNode n, StringBuilder sb) {
        if (n.isIntegralNumber()) {
            BigInteger b = n.bigIntegerValue();
            if (b.signum() >= 0 ? b.compareTo(U64_MAX) <= 0 : b.compareTo(I64_MIN) >= 0) {
                sb.append(b.toString());
            } else {
                sb.append(DoubleFormat.format(b.doubleValue()));
            }
        } else {
            sb.append(DoubleFormat.format(n.doubleValue()));
        }
    }

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    public static void writeString(String s, StringBuilder sb) {
        sb.append('"');
        int plain = 0; // fast path: the common string needs no escape and has no surrogate
        while (plain < s.length()) {
            char c = s.charAt(plain);
            if (c < 0x20 || c == '"' || c == '\\' || Character.isSurrogate(c)) {
                break;
            }
            plain++;
        }
        sb.append(s, 0, plain);
        for (int i = plain; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append("\\u00").append(HEX[c >> 4]).append(HEX[c & 0xf]);
                    } else if (Character.isSurrogate(c)) {
                        // Rust strings are valid UTF-8: a lone surrogate has no serde_json encoding.
                        if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                            sb.append(c).append(s.charAt(++i));
                        } else {
                            throw new InvalidDocumentException("string contains a lone UTF-16 surrogate at index " + i);
                        }
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }

    public static int compareCodePoints(String a, String b) {
        int n = Math.min(a.length(), b.length());
        for (int i = 0; i < n; i++) {
            char ca = a.charAt(i);
            char cb = b.charAt(i);
            if (ca != cb) {
                if (ca >= 0xD800 && cb >= 0xD800) {
                    // UTF-16 order puts surrogates (supplementary code points) below U+E000..U+FFFF; code point order
                    // puts them above: shift both ranges (the usual fix-up, no decoding needed)
                    ca = ca >= 0xE000 ? (char) (ca - 0x800) : (char) (ca + 0x2000);
                    cb = cb >= 0xE000 ? (char) (cb - 0x800) : (char) (cb + 0x2000);
                }
                return ca - cb;
            }
        }
        return a.length() - b.length();
    }
}
