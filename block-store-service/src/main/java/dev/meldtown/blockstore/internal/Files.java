package dev.meldtown.blockstore.internal;

import dev.meldtown.crdt.DeltaBlock;
import dev.meldtown.crdt.InvalidFileException;
import dev.meldtown.crdt.MeldaException;
import dev.meldtown.crdt.MissingKeyException;
import dev.meldtown.crdt.ReplicaStorage;
import dev.meldtown.crdt.UploadedFile;
import dev.meldtown.model.ReplicaRef;
import dev.meldtown.service.ProblemException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Uploads and downloads of single Melda files. An upload is checked completely before anything is written
 * (size while streaming; then the file itself through {@link UploadedFile#validate}: SHA-256 against the name,
 * UTF-8, block, pack or index structure; then against the replica: packs and objects present), so bad input never
 * reaches the bucket.
 */
@ApplicationScoped
public class Files {
    private static final Pattern RANGE = Pattern.compile("bytes=(\\d*)-(\\d*)");

    @Inject
    Documents documents;

    @Inject
    Quotas quotas;

    @Inject
    KnownPacks knownPacks;

    @Inject
    FileCache cache;

    @ConfigProperty(name = "meldtown.block-store.max-file-bytes", defaultValue = "8388608")
    long maxFileBytes;

    /** Stores a file; true when new, false when the same bytes were there. */
    public boolean put(String tenant, String doc, String replica, String key, InputStream body) {
        byte[] bytes = readLimited(body);
        UploadedFile file;
        try {
            file = UploadedFile.validate(key, bytes);
        } catch (InvalidFileException e) {
            throw unprocessable(e.reason().slug(), title(e.reason()), e.getMessage());
        }
        ReplicaRef ref = ReplicaRef.of(tenant, doc, replica);
        try (ReplicaStorage storage = documents.storage(tenant, doc, replica)) {
            if (file instanceof UploadedFile.DeltaFile delta) {
                checkDelta(storage, ref, delta.block());
            }
            requireQuota(storage, tenant, doc, key, bytes.length);
            boolean created = storage.write(key, bytes);
            if (created) {
                cache.put(ref, key, bytes); // what the key now holds, for good: the next read needs no S3 request
            }
            if (file instanceof UploadedFile.PackFile pack) {
                // stored now, or before with the same bytes (the name is their hash)
                knownPacks.stored(ref, pack.name().substring(0, pack.name().length() - ".pack".length()), pack.objects());
            }
            if (created) {
                quotas.documentWritten(dev.meldtown.model.DocRef.of(tenant, doc));
                return true;
            }
            if (file instanceof UploadedFile.IndexFile && !Arrays.equals(storage.read(key), bytes)) {
                throw new ProblemException(409, "different-content", "Conflict", key + " already exists with different content");
            }
            return false;
        }
    }

    /**
     * The tenant's quotas (issue 14), checked before anything is written: a new document must fit {@code maxDocuments}
     * and the file's size {@code maxBytes} (the uncompressed size: at most what flate stores). A file the replica
     * already holds adds nothing, so its identical re-upload is answered as always, even at the limit.
     */
    private void requireQuota(ReplicaStorage storage, String tenant, String doc, String key, long size) {
        quotas.requireDocument(dev.meldtown.model.DocRef.of(tenant, doc));
        try {
            quotas.requireRoom(tenant, size);
        } catch (ProblemException e) {
            if (!storage.exists(key)) {
                throw e;
            }
        }
    }

    private static String title(InvalidFileException.Reason reason) {
        return switch (reason) {
            case INVALID_NAME -> "Invalid file key";
            case HASH_MISMATCH -> "Hash mismatch";
            case INVALID_UTF8 -> "Invalid UTF-8";
            case INVALID_BLOCK -> "Invalid delta block";
            case INVALID_PACK -> "Invalid pack";
            case INVALID_INDEX -> "Invalid pack index";
        };
    }

    /**
     * What only the replica can tell: the block's packs are stored, and every object a change points to (a 64-hex
     * digest; the special digests {@code d}, {@code r}, {@code e} and charcodes are never stored) is in one of the
     * block's packs or, since Melda does not re-stage an object that a loaded pack already holds, in another pack of
     * the replica. Otherwise reading the document would fail with {@code corrupt-data} once the block is stored. Each
     * of the block's packs is read once (no existence probe first), unless this instance has just stored or read it
     * ({@link KnownPacks}); the other packs only when those do not hold it.
     */
    private void checkDelta(ReplicaStorage storage, ReplicaRef ref, DeltaBlock block) {
        String replica = ref.replica().value();
        String hash = block.id();
        Set<String> wanted = new java.util.TreeSet<>();
        for (DeltaBlock.Change change : block.changes()) {
            if (change.digest() != null && change.digest().matches("[0-9a-f]{64}")) {
                wanted.add(change.digest());
            }
        }
        List<String> missing = new java.util.ArrayList<>();
        for (String pack : new java.util.TreeSet<>(block.packs())) {
            if (!removeContained(storage, ref, pack, wanted)) {
                missing.add(pack);
            }
        }
        if (!missing.isEmpty()) {
            throw new ProblemException(409, "missing-packs", "Missing packs",
                    "upload the packs of block " + hash + " to replica " + replica + " first", Map.of("missing", missing));
        }
        if (!wanted.isEmpty()) {
            Set<String> ownPacks = new java.util.HashSet<>(block.packs());
            for (String pack : storage.list(".pack")) {
                if (!ownPacks.contains(pack) && pack.matches("[0-9a-f]{64}")) {
                    removeContained(storage, ref, pack, wanted);
                    if (wanted.isEmpty()) {
                        break;
                    }
                }
            }
        }
        if (!wanted.isEmpty()) {
            throw new ProblemException(422, "missing-objects", "Missing objects",
                    "block " + hash + " refers to objects that are in none of the replica's packs", Map.of("missing", List.copyOf(wanted)));
        }
    }

    /** Removes from {@code wanted} the objects the stored pack holds; false when the pack is not stored. */
    private boolean removeContained(ReplicaStorage storage, ReplicaRef ref, String pack, Set<String> wanted) {
        Optional<Set<String>> known = knownPacks.objects(ref, pack);
        if (known.isPresent()) {
            wanted.removeIf(known.get()::contains);
            return true;
        }
        byte[] bytes;
        try {
            bytes = storage.read(pack + ".pack");
        } catch (MissingKeyException e) {
            return false;
        }
        try {
            if (UploadedFile.validate(pack + ".pack", bytes) instanceof UploadedFile.PackFile parsed) {
                knownPacks.stored(ref, pack, parsed.objects());
                wanted.removeIf(parsed.objects()::contains);
            }
        } catch (MeldaException e) {
            // an unparsable pack holds nothing a reader could use
        }
        return true;
    }

    /** Reads at most the size limit. */
    private byte[] readLimited(InputStream body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[64 * 1024];
        long total = 0;
        try (InputStream in = body == null ? InputStream.nullInputStream() : body) {
            for (int n; (n = in.read(buffer)) > 0; ) {
                total += n;
                if (total > maxFileBytes) {
                    throw new ProblemException(413, "too-large", "Payload Too Large", "a file may hold at most " + maxFileBytes + " bytes");
                }
                out.write(buffer, 0, n);
            }
        } catch (IOException e) {
            throw new ProblemException(400, "unreadable-body", "Bad Request", "the request body could not be read: " + e.getMessage());
        }
        return out.toByteArray();
    }

    /**
     * A file's content, or the part a {@code Range} asked for.
     *
     * @param bytes the whole content, or the requested part
     * @param size  the whole content's size
     * @param first the first byte of {@code bytes} within the content, or -1 when no range was asked for
     */
    public record FileContent(byte[] bytes, long size, long first) {
        public boolean partial() {
            return first >= 0;
        }

        /** The last byte's position (inclusive), for {@code Content-Range}. */
        public long last() {
            return first + bytes.length - 1;
        }
    }

    /**
     * A file, honouring a single {@code Range: bytes=a-b} ({@code bytes=a-}, {@code bytes=-n}).
     *
     * @throws ProblemException 404 when the replica does not hold it, 416 for a range it cannot serve (with
     *     {@code Content-Range: bytes *}{@code /size} when the range is outside the file)
     */
    public FileContent read(String tenant, String doc, String replica, String key, String range) {
        ReplicaRef ref = ReplicaRef.of(tenant, doc, replica);
        documents.requireAlive(tenant, doc, replica); // before the cache: a deleted scope answers 410 on every instance
        byte[] bytes = cache.get(ref, key);
        if (bytes == null) {
            try (ReplicaStorage storage = documents.storage(tenant, doc, replica)) {
                bytes = storage.read(key);
            } catch (MissingKeyException e) {
                throw new ProblemException(404, "not-found", "Not Found", key + " is not in replica " + replica);
            }
            cache.put(ref, key, bytes);
        }
        if (range == null || range.isBlank()) {
            return new FileContent(bytes, bytes.length, -1);
        }
        Matcher m = RANGE.matcher(range.trim());
        if (!m.matches() || (m.group(1).isEmpty() && m.group(2).isEmpty())) {
            throw new ProblemException(416, "invalid-range", "Range Not Satisfiable", "only a single 'bytes=a-b' range is supported, got '" + range + "'",
                    Map.of());
        }
        long size = bytes.length;
        long start;
        long end;
        if (m.group(1).isEmpty()) {
            long suffix = rangeNumber(m.group(2), range);
            start = Math.max(0, size - suffix);
            end = size - 1;
        } else {
            start = rangeNumber(m.group(1), range);
            end = m.group(2).isEmpty() ? size - 1 : Math.min(rangeNumber(m.group(2), range), size - 1);
        }
        if (start >= size || start > end) {
            throw new ProblemException(416, "invalid-range", "Range Not Satisfiable", "range " + range + " is outside " + size + " bytes",
                    Map.of(), Map.of("Content-Range", "bytes */" + size));
        }
        return new FileContent(Arrays.copyOfRange(bytes, (int) start, (int) end + 1), size, start);
    }

    /** A range bound; one beyond 2^63-1 (e.g. {@code bytes=0-99999999999999999999999}) is refused with 416, never a crash. */
    private static long rangeNumber(String digits, String range) {
        try {
            return Long.parseLong(digits);
        } catch (NumberFormatException e) {
            throw new ProblemException(416, "invalid-range", "Range Not Satisfiable",
                    "a range bound must be at most " + Long.MAX_VALUE + ", got '" + range + "'");
        }
    }

    private static ProblemException unprocessable(String type, String title, String detail) {
        return new ProblemException(422, type, title, detail);
    }
}
