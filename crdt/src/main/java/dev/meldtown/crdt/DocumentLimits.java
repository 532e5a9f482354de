package dev.meldtown.crdt;

import com.fasterxml.jackson.databind.JsonNode;
import dev.meldtown.crdt.internal.Json;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The one limit on document shape, shared by every writer and every reader of this library (the CLI, the
 * services' commits, {@link Replica#update}, and the parsers of stored deltas, packs and indexes).
 *
 * <p>The rule it keeps: <b>anything a writer accepts, every reader reads</b> (ours and libmelda-tools'). Every
 * stored JSON file is parsed with serde_json's recursion limit, {@link #MAX_STORED_DEPTH} = 127 nested arrays or
 * objects (libmelda-tools cannot read deeper files, and neither do we). A document's objects are stored inside a
 * pack's outer array, one level deeper than in the document, so a document may nest at most
 * {@link #MAX_READABLE_DEPTH} = 126 levels; a writer limit above that is refused when the limits are built.
 *
 * <p>Depth counts nested containers: {@code {}} is 1, {@code {"a":[]}} is 2. Sizes:
 * <ul>
 *   <li>{@code maxArrayLength}: elements of any one array (♭ or not);</li>
 *   <li>{@code maxObjectMembers}: members of any one object;</li>
 *   <li>{@code maxStringLength}: UTF-16 characters of any one string, member names included;</li>
 *   <li>{@code maxDocumentBytes}: the document's canonical (compact) UTF-8 size, or the size of the text given.</li>
 * </ul>
 *
 * <p>Writers refuse a document beyond any limit with {@link DocumentLimitException} (an
 * {@link InvalidDocumentException}) naming where, before
 * anything is staged or written. Readers enforce only the depth (on each stored file): the sizes bind what we
 * write, while a replica written by libmelda-tools (which has no size limits) stays readable whatever its sizes.
 * A document read after a meld may combine objects from several writers, so it can be deeper or larger than any
 * one writer's input.
 *
 * @param maxDepth nested arrays and objects in a document (at most {@link #MAX_READABLE_DEPTH})
 * @param maxArrayLength elements of one array
 * @param maxObjectMembers members of one object
 * @param maxStringLength characters of one string or member name
 * @param maxDocumentBytes canonical UTF-8 bytes of the whole document
 */
public record DocumentLimits(int maxDepth, int maxArrayLength, int maxObjectMembers, int maxStringLength, long maxDocumentBytes) {
    /** serde_json's recursion limit: the most nested arrays/objects any stored JSON file may hold to be readable. */
    public static final int MAX_STORED_DEPTH = 127;
    /** The deepest document whose pack stays readable (a pack wraps the objects in one array). */
    public static final int MAX_READABLE_DEPTH = MAX_STORED_DEPTH - 1;

    /**
     * The defaults: depth 126 (the most libmelda-tools can read back), 100,000 array elements, 100,000 object
     * members, 1,048,576 characters per string, 4 MiB of canonical JSON per document (half the block-store's
     * 8 MiB upload limit, so that the packs of a document committed on the hub can be copied to another replica
     * through the hub's API; flattening adds a little: {@code !} on ♭ strings, descriptor ids).
     */
    public static final DocumentLimits DEFAULT = new DocumentLimits(MAX_READABLE_DEPTH, 100_000, 100_000, 1 << 20, 4L << 20);

    /**
     * Only what keeps a replica readable: depth 126, and no size limit but Java's largest array (about 2 GiB of
     * text). For replicas a local tool writes (the CLI to {@code file://} and {@code s3://}, as libmelda-tools, which
     * has no size limit): nothing in the format needs the sizes of {@link #DEFAULT}, which keep a hub's documents
     * copyable through its API. A local replica's pack above the hub's file limit is refused when it is pushed there.
     */
    public static final DocumentLimits LOCAL = new DocumentLimits(MAX_READABLE_DEPTH, Integer.MAX_VALUE, Integer.MAX_VALUE,
            Integer.MAX_VALUE, Integer.MAX_VALUE - 8);

    public DocumentLimits {
        if (maxDepth < 1 || maxDepth > MAX_READABLE_DEPTH) {
            throw new IllegalArgumentException("maxDepth must be within 1.." + MAX_READABLE_DEPTH
                    + " (a deeper document's pack would exceed serde_json's recursion limit of " + MAX_STORED_DEPTH + "), got " + maxDepth);
        }
        if (maxArrayLength < 0 || maxObjectMembers < 0 || maxStringLength < 0 || maxDocumentBytes < 0) {
            throw new IllegalArgumentException("limits must not be negative");
        }
    }

    /**
     * Parses a document given as JSON text (UTF-8), refusing it before parsing when the text is larger than
     * {@code maxDocumentBytes}, and after parsing when it exceeds another limit.
     *
     * @throws DocumentLimitException if the text exceeds a limit
     * @throws InvalidDocumentException if the text is not JSON
     */
    public JsonNode parse(byte[] utf8) {
        if (utf8.length > maxDocumentBytes) {
            throw new DocumentLimitException("document of " + utf8.length + " bytes exceeds the limit of " + maxDocumentBytes + " bytes");
        }
        JsonNode n;
        try {
            // one level more than allowed, so that check() can name where the document is too deep
            n = Json.parse(utf8, maxDepth + 1);
        } catch (CorruptDataException e) {
            if (e.getMessage().contains("nested deeper than")) {
                throw new DocumentLimitException("document nested deeper than " + maxDepth + " levels (the document depth limit)");
            }
            throw new InvalidDocumentException(e.getMessage());
        }
        check(n);
        return n;
    }

    /**
     * Checks a parsed document against every limit.
     *
     * <p>The walk first counts each string and number at an upper bound of its canonical size (6 bytes a character,
     * 32 a number), which needs no look at its characters; only if that bound exceeds {@code maxDocumentBytes} does
     * a second walk count exactly. The refusal is the same either way: a bound is never below the exact size, so the
     * first walk meets any other limit no later than an exact one would. The path of a refusal is only put together
     * when there is one.
     *
     * @throws DocumentLimitException naming the first place that exceeds a limit
     */
    public void check(JsonNode doc) {
        try {
            try {
                walk(doc, 1, new long[] {0}, false);
            } catch (Refused r) {
                if (!r.bySize) {
                    throw r;
                }
                walk(doc, 1, new long[] {0}, true);
            }
        } catch (Refused r) {
            throw refused(r.what, new ArrayList<>(r.path));
        }
    }

    /** A refusal on its way up the walk, which adds each level's name to its path (no stack trace). */
    private static final class Refused extends RuntimeException {
        private final String what;
        private final boolean bySize;
        private final ArrayDeque<String> path = new ArrayDeque<>();

        Refused(String what, boolean bySize) {
            super(what, null, false, false);
            this.what = what;
            this.bySize = bySize;
        }

        Refused at(String name) {
            path.addFirst(name);
            return this;
        }
    }

    private void walk(JsonNode n, int depth, long[] bytes, boolean exact) {
        if (n.isContainerNode()) {
            if (depth > maxDepth) {
                throw new Refused("nested deeper than " + maxDepth + " levels", false);
            }
            add(bytes, 2);
        }
        if (n.isObject()) {
            if (n.size() > maxObjectMembers) {
                throw new Refused("object with " + n.size() + " members exceeds the limit of " + maxObjectMembers, false);
            }
            Iterator<Map.Entry<String, JsonNode>> it = n.fields();
            boolean first = true;
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                try {
                    string(e.getKey(), bytes, exact);
                    add(bytes, first ? 1 : 2); // ':' and ','
                    first = false;
                    walk(e.getValue(), depth + 1, bytes, exact);
                } catch (Refused r) {
                    throw r.at(e.getKey());
                }
            }
        } else if (n.isArray()) {
            if (n.size() > maxArrayLength) {
                throw new Refused("array of " + n.size() + " elements exceeds the limit of " + maxArrayLength, false);
            }
            for (int i = 0; i < n.size(); i++) {
                try {
                    add(bytes, i == 0 ? 0 : 1);
                    walk(n.get(i), depth + 1, bytes, exact);
                } catch (Refused r) {
                    throw r.at(Integer.toString(i));
                }
            }
        } else if (n.isTextual()) {
            string(n.textValue(), bytes, exact);
        } else if (n.isNumber()) {
            add(bytes, exact ? CanonicalJson.write(n).length() : 32);
        } else {
            add(bytes, n.isBoolean() && !n.booleanValue() ? 5 : 4); // true, null, false
        }
    }

    private void string(String s, long[] bytes, boolean exact) {
        if (s.length() > maxStringLength) {
            throw new Refused("string of " + s.length() + " characters exceeds the limit of " + maxStringLength, false);
        }
        if (!exact) {
            add(bytes, 2 + 6L * s.length()); // at most 6 bytes (an escaped control character) for each
            return;
        }
        long size = 2;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20) {
                size += c == '\b' || c == '\f' || c == '\n' || c == '\r' || c == '\t' ? 2 : 6;
            } else if (c == '"' || c == '\\') {
                size += 2;
            } else if (c < 0x80) {
                size += 1;
            } else if (c < 0x800) {
                size += 2;
            } else if (Character.isHighSurrogate(c)) {
                size += 2; // with its low surrogate: 4 bytes
            } else {
                size += Character.isLowSurrogate(c) ? 2 : 3;
            }
        }
        add(bytes, size);
    }

    private void add(long[] bytes, long n) {
        bytes[0] += n;
        if (bytes[0] > maxDocumentBytes) {
            throw new Refused("document exceeds the limit of " + maxDocumentBytes + " bytes (canonical JSON)", true);
        }
    }

    private static DocumentLimitException refused(String what, List<String> path) {
        return new DocumentLimitException(what + " at " + describe(path));
    }

    /** A JSON-pointer-like path, shortened in the middle when long (a 200-deep path would fill a screen). */
    static String describe(List<String> path) {
        if (path.isEmpty()) {
            return "the root";
        }
        List<String> shown = path;
        if (path.size() > 8) {
            shown = new ArrayList<>(path.subList(0, 4));
            shown.add("…(" + (path.size() - 7) + " more)…");
            shown.addAll(path.subList(path.size() - 3, path.size()));
        }
        StringBuilder sb = new StringBuilder();
        for (String s : shown) {
            sb.append('/').append(s.length() > 40 ? s.substring(0, 40) + "…" : s);
        }
        return sb.toString();
    }

    /** Convenience for text. */
    public JsonNode parse(String text) {
        return parse(text.getBytes(StandardCharsets.UTF_8));
    }
}
