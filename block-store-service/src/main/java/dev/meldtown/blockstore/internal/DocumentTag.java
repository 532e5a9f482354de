package dev.meldtown.blockstore.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.meldtown.crdt.CanonicalJson;
import dev.meldtown.service.ProblemException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * A document's entity tag (RFC 9110 §8.8.3): the SHA-256 of its canonical JSON, quoted. Equal documents have equal
 * tags however they were read (from a read checkpoint or by replaying the replica), so a client can read a document,
 * edit it and commit it back only if nobody changed it in between ({@link Precondition}).
 */
public final class DocumentTag {
    /** One entity tag: optional weakness indicator, then a quoted opaque tag (no spaces, quotes or controls inside). */
    private static final Pattern TAG = Pattern.compile("(W/)?\"[\\x21\\x23-\\x7e\\x80-\\x{10FFFF}]*\"");

    private DocumentTag() {
    }

    /** The strong entity tag of {@code document}. */
    public static String of(JsonNode document) {
        return "\"" + CanonicalJson.sha256(document) + "\"";
    }

    /**
     * The preconditions of a commit, from its {@code If-Match} and {@code If-None-Match} headers (either may be null).
     * {@code If-Match} compares strongly (a weak tag never matches) and {@code *} asks that the replica has a
     * document; {@code If-None-Match} compares weakly and {@code *} asks that it has none.
     */
    public record Precondition(List<String> ifMatch, List<String> ifNoneMatch) {
        public static final Precondition NONE = new Precondition(null, null);

        /** Parses both headers; 400 {@code invalid-precondition} when one is not {@code *} or a list of entity tags. */
        public static Precondition of(String ifMatch, String ifNoneMatch) {
            return new Precondition(tags("If-Match", ifMatch), tags("If-None-Match", ifNoneMatch));
        }

        public boolean isNone() {
            return ifMatch == null && ifNoneMatch == null;
        }

        /**
         * Passes, or throws 412 {@code precondition-failed} with the current tag in an {@code ETag} header.
         *
         * @param exists whether the replica has any block ({@code *} asks about this; a replica with none reads as {@code {}})
         * @param current the current document's tag (that of {@code {}} for a replica with no block), computed only when a
         *                tag list needs it or the precondition fails
         */
        public void check(String replica, boolean exists, Supplier<String> current) {
            if (isNone()) {
                return;
            }
            boolean listed = ifMatch != null && !ifMatch.contains("*") || ifNoneMatch != null && !ifNoneMatch.contains("*");
            String tag = listed ? current.get() : null;
            if (ifMatch != null) {
                boolean any = ifMatch.contains("*");
                if (any ? !exists : !ifMatch.contains(tag)) {
                    throw failed(replica, current, any ? "If-Match: * asks for an existing document, and replica " + replica + " has none"
                            : "replica " + replica + "'s document changed since it was read (If-Match); read it again and reapply the change");
                }
            }
            if (ifNoneMatch != null) {
                boolean any = ifNoneMatch.contains("*");
                if (any ? exists : ifNoneMatch.stream().map(t -> t.startsWith("W/") ? t.substring(2) : t).anyMatch(tag::equals)) {
                    throw failed(replica, current, any ? "If-None-Match: * asks for no document, and replica " + replica + " has one"
                            : "replica " + replica + "'s document is one that If-None-Match excludes");
                }
            }
        }

        private static ProblemException failed(String replica, Supplier<String> current, String detail) {
            String tag = current.get();
            return new ProblemException(412, "precondition-failed", "Precondition failed", detail,
                    Map.of("replica", replica, "etag", tag), Map.of("ETag", tag));
        }

        private static List<String> tags(String header, String value) {
            if (value == null) {
                return null;
            }
            String v = value.strip();
            if (v.equals("*")) {
                return List.of("*");
            }
            List<String> out = new ArrayList<>();
            for (String part : v.split(",", -1)) {
                String t = part.strip();
                if (!TAG.matcher(t).matches()) {
                    throw new ProblemException(400, "invalid-precondition", "Invalid precondition",
                            header + " must be * or a comma-separated list of entity tags such as \"…\" (the ETag of a GET of the document)");
                }
                out.add(t);
            }
            return List.copyOf(out);
        }
    }
}
