package dev.meldtown.crdt;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meldtown.crdt.internal.DeltaBlocks;
import dev.meldtown.crdt.internal.Pack;
import java.util.Collection;
import java.util.List;

/**
 * Melda files made by hand, for tests in other modules that need files no replica would write (a block whose pack
 * is missing, one that names objects stored nowhere). Published in the test-jar; it uses the library's own writers,
 * which are internal to {@code crdt}.
 */
public final class CraftedFiles {
    /** A pack: its hash (the name without {@code .pack}), its bytes, and the digests of its objects in order. */
    public record CraftedPack(String hash, byte[] bytes, List<String> digests) {
    }

    private CraftedFiles() {
    }

    /** A pack of these canonical object bytes, in this order (duplicates removed). */
    public static CraftedPack pack(List<byte[]> objects) {
        Pack p = Pack.build(objects);
        return new CraftedPack(p.hash(), p.bytes(), p.digests());
    }

    /** A block: parents sorted; empty {@code packs}/{@code parents} and null {@code info} omitted. */
    public static DeltaBlock delta(List<DeltaBlock.Change> changes, ObjectNode info, List<String> packs, Collection<String> parents) {
        return DeltaBlocks.create(changes, info, packs, parents);
    }
}
