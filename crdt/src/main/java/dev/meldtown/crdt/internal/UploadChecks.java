package dev.meldtown.crdt.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.meldtown.crdt.CanonicalJson;
import dev.meldtown.crdt.DeltaBlock;
import dev.meldtown.crdt.InvalidFileException;
import dev.meldtown.crdt.InvalidFileException.Reason;
import dev.meldtown.crdt.MeldaException;
import dev.meldtown.crdt.UploadedFile;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** The checks behind {@link UploadedFile#validate}. */
public final class UploadChecks {
    private static final Pattern NAME = Pattern.compile("([0-9a-f]{64})\\.(delta|pack|index)");
    private static final Pattern HASH = Pattern.compile("[0-9a-f]{64}");

    private UploadChecks() {
    }

    public static UploadedFile validate(String name, byte[] bytes) {
        var m = name == null ? null : NAME.matcher(name);
        if (m == null || !m.matches()) {
            throw new InvalidFileException(Reason.INVALID_NAME, "not a Melda file name: " + name);
        }
        String hash = m.group(1);
        String kind = m.group(2);
        if (!kind.equals("index")) {
            String actual = Hashes.sha256Hex(bytes);
            if (!actual.equals(hash)) {
                throw new InvalidFileException(Reason.HASH_MISMATCH, "the body hashes to " + actual + ", not to its name " + hash);
            }
        }
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes));
        } catch (CharacterCodingException e) {
            throw new InvalidFileException(Reason.INVALID_UTF8, name + " is not valid UTF-8");
        }
        return switch (kind) {
            case "delta" -> new UploadedFile.DeltaFile(name, delta(hash, bytes));
            case "pack" -> new UploadedFile.PackFile(name, Set.copyOf(pack(hash, bytes).digests()));
            default -> index(name, bytes);
        };
    }

    private static DeltaBlock delta(String hash, byte[] bytes) {
        DeltaBlock block;
        try {
            block = DeltaBlock.parse(hash, bytes);
        } catch (MeldaException e) {
            throw new InvalidFileException(Reason.INVALID_BLOCK, e.getMessage());
        }
        // The library reads leniently (as Melda does); a file received must be a real commit.
        List<String> fields = new ArrayList<>();
        CanonicalJson.parseObject(bytes).fieldNames().forEachRemaining(fields::add);
        if (!Set.of("c", "i", "k", "p").containsAll(fields) || block.changes().isEmpty()) {
            throw new InvalidFileException(Reason.INVALID_BLOCK, "a delta block is an object of c (non-empty changes), i, k and p; got fields " + fields);
        }
        if (!Stream.concat(block.packs().stream(), block.parents().stream()).allMatch(h -> HASH.matcher(h).matches())) {
            throw new InvalidFileException(Reason.INVALID_BLOCK, "packs and parents must be 64-hex hashes");
        }
        return block;
    }

    private static Pack pack(String hash, byte[] bytes) {
        try {
            // JSON-aware scan; an index (if any) is only an accelerator for readers.
            return Pack.parse(hash, bytes, null);
        } catch (MeldaException e) {
            throw new InvalidFileException(Reason.INVALID_PACK, e.getMessage());
        }
    }

    /** Melda's index: an object mapping each object digest to {@code [offset, length]} in the pack (spec §1.3). */
    private static UploadedFile.IndexFile index(String name, byte[] bytes) {
        JsonNode index;
        try {
            index = CanonicalJson.parse(new String(bytes, StandardCharsets.UTF_8));
        } catch (MeldaException e) {
            throw new InvalidFileException(Reason.INVALID_INDEX, e.getMessage());
        }
        boolean valid = index.isObject();
        for (Iterator<Map.Entry<String, JsonNode>> it = index.fields(); valid && it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode v = e.getValue();
            valid = HASH.matcher(e.getKey()).matches() && v.isArray() && v.size() == 2
                    && v.get(0).canConvertToLong() && v.get(0).asLong() >= 0 && v.get(1).canConvertToLong() && v.get(1).asLong() >= 0;
        }
        if (!valid) {
            throw new InvalidFileException(Reason.INVALID_INDEX, "an index is an object mapping 64-hex digests to [offset, length]");
        }
        return new UploadedFile.IndexFile(name);
    }
}
