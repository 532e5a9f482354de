package dev.meldtown.crdt;

/** A file received from elsewhere is not a valid Melda file ({@link UploadedFile#validate}); {@link #reason()} says how. */
public class InvalidFileException extends CorruptDataException {
    /** What is wrong, with a stable slug (used e.g. as a problem type). */
    public enum Reason {
        /** The name is not {@code <64 lowercase hex>.delta}, {@code .pack} or {@code .index}. */
        INVALID_NAME("invalid-key"),
        /** A delta or pack does not hash to its name. */
        HASH_MISMATCH("hash-mismatch"),
        /** The bytes are not valid UTF-8. */
        INVALID_UTF8("invalid-utf8"),
        /** Not a delta block as Melda commits one. */
        INVALID_BLOCK("invalid-block"),
        /** Not a pack (a JSON array of at least one object, readable by serde_json). */
        INVALID_PACK("invalid-pack"),
        /** Not a pack index (an object mapping 64-hex digests to {@code [offset, length]}). */
        INVALID_INDEX("invalid-index");

        private final String slug;

        Reason(String slug) {
            this.slug = slug;
        }

        public String slug() {
            return slug;
        }
    }

    private final Reason reason;

    public InvalidFileException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
