package dev.meldtown.crdt;

import dev.meldtown.crdt.internal.UploadChecks;
import java.util.Set;

/**
 * A Melda file received from elsewhere (an upload to the block-store, a file to be copied into a replica),
 * validated on its own by {@link #validate}: what can be checked without the replica it goes to. The checks that need
 * the replica (a delta's packs are stored, its objects are in some pack) are the caller's, with the parsed content
 * this gives.
 */
public sealed interface UploadedFile permits UploadedFile.DeltaFile, UploadedFile.PackFile, UploadedFile.IndexFile {
    /** The file name, {@code <hash>.<kind>}. */
    String name();

    /** A delta block as Melda commits one: fields {@code c} (non-empty), {@code i}, {@code k}, {@code p} only. */
    record DeltaFile(String name, DeltaBlock block) implements UploadedFile {
    }

    /** A pack, with the digests of the objects it holds. */
    record PackFile(String name, Set<String> objects) implements UploadedFile {
        public PackFile {
            objects = Set.copyOf(objects);
        }
    }

    /** A pack index (only an accelerator for readers: it is verified against the pack when used). */
    record IndexFile(String name) implements UploadedFile {
    }

    /**
     * Validates a file by its name and exact bytes, in this order: the name; the hash (deltas and packs are named by
     * the sha256 of their bytes); UTF-8; then the content of its kind. Melda only ever writes files that pass.
     *
     * @throws InvalidFileException naming the first thing wrong (its {@link InvalidFileException#reason()} says what)
     */
    static UploadedFile validate(String name, byte[] bytes) {
        return UploadChecks.validate(name, bytes);
    }
}
