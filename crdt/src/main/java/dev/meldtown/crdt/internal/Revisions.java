package dev.meldtown.crdt.internal;

import dev.meldtown.crdt.InvalidRevisionException;
import dev.meldtown.crdt.Revision;

/** Makes new revisions (only the library does: when it stages changes or reads change records). */
public final class Revisions {
    private Revisions() {
    }

    /** The creation revision {@code 1-<digest>}. */
    public static Revision creation(String digest) {
        return Revision.parse("1-" + requireDigest(digest));
    }

    /** A child of {@code parent} with the given content digest. */
    public static Revision childOf(Revision parent, String digest) {
        return childOf(parent.toString(), digest);
    }

    /**
     * A child of the revision whose text is {@code parentText} (which need not be known: "ghost" parents):
     * {@code <index+1>-<digest>_<first 7 hex of sha256(parentText)>}.
     */
    public static Revision childOf(String parentText, String digest) {
        Revision p = Revision.parse(parentText);
        String d = requireDigest(digest);
        long index = p.index() + 1;
        return Revision.parse(index <= 1 ? index + "-" + d : index + "-" + d + "_" + Hashes.sha256Hex(parentText).substring(0, 7));
    }

    private static String requireDigest(String d) {
        if (d == null || d.isEmpty()) {
            throw new InvalidRevisionException("empty digest");
        }
        return d;
    }
}
