package dev.meldtown.crdt.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meldtown.crdt.CorruptDataException;
import dev.meldtown.crdt.MeldaException;
import dev.meldtown.crdt.DocumentLimits;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.IntStream;

/**
 * A data pack ({@code <hash>.pack}): {@code [obj1,obj2,...]}, each object the exact canonical bytes whose sha256
 * is its digest. Objects are found by a JSON-aware scan (Melda's naive brace counter breaks on braces inside
 * strings, spec §8.4) or through a {@code .index}, which is verified rather than trusted.
 */
public final class Pack {
    /** Melda gen C writes an index when the average object is larger than this many bytes. */
    public static final int INDEX_THRESHOLD_PER_OBJECT = 800;

    private final String hash;
    private final byte[] bytes;
    private final Map<String, long[]> offsets; // digest -> [offset, length], insertion (pack) order

    private Pack(String hash, byte[] bytes, Map<String, long[]> offsets) {
        this.hash = hash;
        this.bytes = bytes;
        this.offsets = offsets;
    }

    /** Builds a pack from canonical object bytes in the given order (duplicates removed). */
    public static Pack build(List<byte[]> objects) {
        Map<String, byte[]> byDigest = new LinkedHashMap<>();
        for (byte[] o : objects) {
            byDigest.putIfAbsent(Hashes.sha256Hex(o), o);
        }
        return build(byDigest);
    }

    /**
     * Builds a pack from objects whose digests the caller has computed already (the staging hashed each one), in the
     * map's order: no object is hashed again.
     */
    public static Pack build(Map<String, byte[]> byDigest) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Map<String, long[]> offs = new LinkedHashMap<>();
        out.write('[');
        for (Map.Entry<String, byte[]> e : byDigest.entrySet()) {
            String d = e.getKey();
            byte[] o = e.getValue();
            if (!offs.isEmpty()) {
                out.write(',');
            }
            offs.put(d, new long[] {out.size(), o.length});
            out.write(o, 0, o.length);
        }
        out.write(']');
        byte[] b = out.toByteArray();
        return new Pack(Hashes.sha256Hex(b), b, offs);
    }

    /**
     * Reads a pack's bytes, locating objects with the index if given (entries whose slice does not hash to their
     * digest are ignored and the pack is scanned instead).
     *
     * <p>This is also the validation entry point for a pack received from elsewhere (the block-store checks every
     * upload with it): the bytes must be one JSON array of at least one object, readable by serde_json (UTF-8,
     * nesting within {@link DocumentLimits#MAX_STORED_DEPTH}, finite numbers). Melda only ever writes such packs;
     * anything else (no JSON, an empty array, a non-object element, an object Melda could not parse) is refused
     * here rather than accepted and found unreadable later.
     *
     * @throws CorruptDataException if {@code bytes} do not hash to {@code expectedHash} or are not a pack
     */
    public static Pack parse(String expectedHash, byte[] bytes, byte[] indexBytes) {
        String h = Hashes.sha256Hex(bytes);
        if (expectedHash != null && !expectedHash.equals(h)) {
            throw new CorruptDataException("pack " + expectedHash + " hashes to " + h);
        }
        int objects;
        try {
            objects = Json.checkArrayOfObjects(bytes);
        } catch (CorruptDataException e) {
            throw new CorruptDataException("pack " + h + " is not a JSON array of objects: " + e.getMessage(), e);
        }
        if (objects == 0) {
            throw new CorruptDataException("pack " + h + " holds no objects (Melda never writes an empty pack)");
        }
        if (indexBytes != null) {
            Map<String, long[]> fromIndex = readIndex(bytes, indexBytes);
            if (fromIndex != null) {
                return new Pack(h, bytes, fromIndex);
            }
        }
        return new Pack(h, bytes, scan(bytes));
    }

    private static Map<String, long[]> readIndex(byte[] pack, byte[] indexBytes) {
        try {
            ObjectNode idx = Json.parseObject(indexBytes);
            Map<String, long[]> m = new LinkedHashMap<>();
            for (Map.Entry<String, JsonNode> e : (Iterable<Map.Entry<String, JsonNode>>) idx::fields) {
                JsonNode v = e.getValue();
                if (!v.isArray() || v.size() != 2 || !v.get(0).canConvertToLong() || !v.get(1).canConvertToLong()) {
                    return null;
                }
                long off = v.get(0).longValue();
                long len = v.get(1).longValue();
                if (off < 0 || len < 0 || off > pack.length || len > pack.length - off // no overflow: off + len may not fit
                        || !Hashes.sha256Hex(Arrays.copyOfRange(pack, (int) off, (int) (off + len))).equals(e.getKey())) {
                    return null;
                }
                m.put(e.getKey(), new long[] {off, len});
            }
            return m;
        } catch (MeldaException e) {
            return null;
        }
    }

    /** JSON-aware scan: every top-level object inside the outer array, honouring strings and escapes. */
    public static Map<String, long[]> scan(byte[] b) {
        List<long[]> spans = new ArrayList<>();
        int depth = 0; // nesting including the outer [
        boolean inString = false;
        boolean escape = false;
        int start = -1;
        for (int i = 0; i < b.length; i++) {
            byte c = b[i];
            if (inString) {
                if (escape) {
                    escape = false;
                } else if (c == '\\') {
                    escape = true;
                } else if (c == '"') {
                    inString = false;
                }
                continue;
            }
            switch (c) {
                case '"' -> inString = true;
                case '[', '{' -> {
                    if (c == '{' && depth == 1) {
                        start = i;
                    }
                    depth++;
                }
                case ']', '}' -> {
                    depth--;
                    if (depth < 0) {
                        throw new CorruptDataException("pack is not a JSON array of objects (unbalanced at byte " + i + ")");
                    }
                    if (c == '}' && depth == 1 && start >= 0) {
                        spans.add(new long[] {start, i + 1 - start});
                        start = -1;
                    }
                }
                default -> {
                }
            }
        }
        if (depth != 0 || inString) {
            throw new CorruptDataException("pack is truncated or not a JSON array of objects");
        }
        // each object's hash on the common pool's threads too, for a big pack (they are independent; the map keeps
        // pack order and the first of equal objects, as one thread would)
        String[] digests = new String[spans.size()];
        IntStream range = IntStream.range(0, digests.length);
        (digests.length >= PARALLEL_HASHING_FROM ? range.parallel() : range).forEach(i -> {
            long[] span = spans.get(i);
            digests[i] = Hashes.sha256Hex(Arrays.copyOfRange(b, (int) span[0], (int) (span[0] + span[1])));
        });
        Map<String, long[]> m = new LinkedHashMap<>();
        for (int i = 0; i < digests.length; i++) {
            m.putIfAbsent(digests[i], spans.get(i));
        }
        return m;
    }

    /** Packs of at least this many objects are hashed on more than one thread when scanned. */
    static final int PARALLEL_HASHING_FROM = 4096;

    public String hash() {
        return hash;
    }

    public byte[] bytes() {
        return bytes.clone();
    }

    /** Digests of the objects in pack order. */
    public List<String> digests() {
        return Collections.unmodifiableList(new ArrayList<>(offsets.keySet()));
    }

    public boolean contains(String digest) {
        return offsets.containsKey(digest);
    }

    /** The exact stored bytes of an object, or {@code null}. */
    public byte[] objectBytes(String digest) {
        long[] o = offsets.get(digest);
        return o == null ? null : Arrays.copyOfRange(bytes, (int) o[0], (int) (o[0] + o[1]));
    }

    /** All objects: digest to exact bytes. */
    public Map<String, byte[]> objects() {
        Map<String, byte[]> m = new LinkedHashMap<>();
        for (String d : offsets.keySet()) {
            m.put(d, objectBytes(d));
        }
        return m;
    }

    /**
     * Whether an index should be written: Melda's size rule, or (our fix for spec §8.4) whenever an object contains
     * a brace inside a string, which Melda's brace counter would mis-index.
     */
    public boolean needsIndex() {
        if (bytes.length > (long) INDEX_THRESHOLD_PER_OBJECT * offsets.size()) {
            return true;
        }
        return !naiveScanAgrees();
    }

    /**
     * Whether Melda's string-unaware brace counter would find every one of our objects. When its spans are exactly
     * our objects' (the usual case: no brace in a string), it does, and nothing is hashed. Otherwise a misaligned
     * span can still hold an object's exact bytes, so each span's hash decides, as Melda's lookup does.
     */
    public boolean naiveScanAgrees() {
        List<long[]> spans = naiveSpans();
        if (spans.size() == offsets.size()) {
            java.util.Iterator<long[]> ours = offsets.values().iterator();
            boolean same = true;
            for (int i = 0; i < spans.size() && same; i++) {
                long[] o = ours.next();
                same = o[0] == spans.get(i)[0] && o[1] == spans.get(i)[1];
            }
            if (same) {
                return true;
            }
        }
        java.util.Set<String> found = new java.util.HashSet<>(); // a list made this quadratic (found by the bench)
        for (long[] span : spans) {
            found.add(Hashes.sha256Hex(Arrays.copyOfRange(bytes, (int) span[0], (int) (span[0] + span[1]))));
        }
        return found.containsAll(offsets.keySet());
    }

    /** The spans {offset, length} that Melda's brace counter finds: top-level braces, strings not considered. */
    private List<long[]> naiveSpans() {
        List<long[]> spans = new ArrayList<>(offsets.size());
        int depth = 0;
        int start = -1;
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == '{') {
                if (depth == 0) {
                    start = i;
                }
                depth++;
            } else if (bytes[i] == '}') {
                depth--;
                if (depth == 0 && start >= 0) {
                    spans.add(new long[] {start, i + 1 - start});
                    start = -1;
                }
            }
        }
        return spans;
    }

    /** The {@code .index} content: {@code {"<digest>":[offset,length],...}}, keys sorted, compact. */
    public byte[] indexBytes() {
        ObjectNode o = Json.nodes().objectNode();
        for (Map.Entry<String, long[]> e : new TreeMap<>(offsets).entrySet()) {
            o.putArray(e.getKey()).add(e.getValue()[0]).add(e.getValue()[1]);
        }
        return Json.bytes(o);
    }

    @Override
    public String toString() {
        return "Pack[" + hash + ", " + offsets.size() + " objects, " + new String(bytes, 0, Math.min(bytes.length, 80), StandardCharsets.UTF_8) + "]";
    }
}
