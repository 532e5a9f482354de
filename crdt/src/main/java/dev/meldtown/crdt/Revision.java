package dev.meldtown.crdt;

import dev.meldtown.crdt.internal.Hashes;
import java.util.Objects;

/**
 * One revision of an object: {@code <index>-<digest>} for a creation, {@code <index>-<digest>_<tail>} otherwise,
 * where tail = first 7 hex chars of sha256(parent's text). Ordered as Melda orders them: resolved ({@code r})
 * revisions lowest, then by index, then by the full text byte-wise; the winner is the maximum.
 *
 * <p>A read-only value: clients get revisions from a {@link Replica} or {@link #parse} them; new revisions are made
 * only by the library (when it stages changes).
 */
public final class Revision implements Comparable<Revision> {
    public static final String DELETED = "d";
    public static final String RESOLVED = "r";
    public static final String EMPTY = "e";

    private final long index;
    private final String digest;
    private final String tail; // null for index <= 1
    private final String text;

    private Revision(long index, String digest, String tail) {
        this.index = index;
        this.digest = digest;
        this.tail = index <= 1 ? null : (tail == null ? "" : tail);
        this.text = index <= 1 ? index + "-" + digest : index + "-" + digest + "_" + this.tail;
    }

    // text already known to be the canonical form of (index, digest, tail)
    private Revision(long index, String digest, String tail, String text) {
        this.index = index;
        this.digest = digest;
        this.tail = index <= 1 ? null : (tail == null ? "" : tail);
        this.text = text;
    }

    private static boolean allDigits(String s, int end) {
        for (int i = 0; i < end; i++) {
            if (!Character.isDigit(s.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    /**
     * Parses Melda's textual form. Like Melda, the digest runs up to the last {@code _} (for index > 1).
     *
     * @throws InvalidRevisionException if the text is not {@code <digits>-<word>[_<word>]}
     */
    public static Revision parse(String text) {
        if (text == null) {
            throw new InvalidRevisionException("revision is null");
        }
        int dash = text.indexOf('-');
        if (dash <= 0 || dash == text.length() - 1) {
            throw new InvalidRevisionException("not a revision: " + text);
        }
        long index;
        try {
            index = Long.parseLong(text.substring(0, dash));
        } catch (NumberFormatException e) {
            throw new InvalidRevisionException("not a revision: " + text);
        }
        if (index < 0 || !allDigits(text, dash)) {
            throw new InvalidRevisionException("not a revision: " + text);
        }
        String rest = text.substring(dash + 1);
        String digest = rest;
        String tail = null;
        int us = rest.lastIndexOf('_');
        if (index > 1) {
            if (us < 0) {
                throw new InvalidRevisionException("revision " + text + " lacks the _<parent tail>");
            }
            digest = rest.substring(0, us);
            tail = rest.substring(us + 1);
        }
        if (digest.isEmpty()) {
            throw new InvalidRevisionException("not a revision: " + text);
        }
        if (text.charAt(0) != '0' || dash == 1) {
            // ASCII digits without a leading zero (checked below otherwise) spell index: the text is canonical
            boolean ascii = true;
            for (int i = 0; i < dash && ascii; i++) {
                ascii = text.charAt(i) <= '9';
            }
            if (ascii) {
                return new Revision(index, digest, tail, text);
            }
        }
        Revision r = new Revision(index, digest, tail);
        if (!r.text.equals(text)) {
            throw new InvalidRevisionException("not a canonical revision: " + text);
        }
        return r;
    }

    public long index() {
        return index;
    }

    public String digest() {
        return digest;
    }

    /** The 7-hex parent tail, or {@code null} for a creation revision. */
    public String tail() {
        return tail;
    }

    public boolean isDeleted() {
        return DELETED.equals(digest);
    }

    public boolean isResolved() {
        return RESOLVED.equals(digest);
    }

    /** Whether {@code this} could be a child of {@code parent} (index and tail match). */
    public boolean isChildOf(String parentText) {
        return tail != null && index == parse(parentText).index + 1
                && tail.equals(Hashes.sha256Hex(parentText).substring(0, 7));
    }

    @Override
    public int compareTo(Revision o) {
        boolean r1 = isResolved();
        boolean r2 = o.isResolved();
        if (r1 != r2) {
            return r1 ? -1 : 1;
        }
        int c = Long.compare(index, o.index);
        return c != 0 ? c : CanonicalJson.KEY_ORDER.compare(text, o.text);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Revision r && r.text.equals(text);
    }

    @Override
    public int hashCode() {
        return Objects.hash(text);
    }

    /** Melda's textual form. */
    @Override
    public String toString() {
        return text;
    }
}
