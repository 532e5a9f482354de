package dev.meldtown.blockstore.internal;

import dev.meldtown.service.ProblemException;
import java.util.regex.Pattern;

/** Validation of every name that reaches S3 keys or events: nothing unvalidated is ever concatenated into a key. */
public final class Names {
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");
    private static final Pattern KEY = Pattern.compile("[0-9a-f]{64}\\.(delta|pack|index)");
    private static final Pattern BLOCK = Pattern.compile("[0-9a-f]{64}");

    private Names() {
    }

    /** A tenant, doc or replica name. */
    public static String name(String kind, String value) {
        if (value == null || !NAME.matcher(value).matches()) {
            throw new ProblemException(400, "invalid-name", "Invalid name",
                    kind + " must match [a-z0-9][a-z0-9-]{0,62}, got '" + abbreviate(value) + "'");
        }
        return value;
    }

    /** A Melda file key: {@code <64 hex>.delta|.pack|.index}. */
    public static String key(String value) {
        if (value == null || !KEY.matcher(value).matches()) {
            throw new ProblemException(400, "invalid-key", "Invalid file key",
                    "key must be <64 lowercase hex>.delta, .pack or .index, got '" + abbreviate(value) + "'");
        }
        return value;
    }

    public static String block(String value) {
        if (value == null || !BLOCK.matcher(value).matches()) {
            throw new ProblemException(400, "invalid-block", "Invalid block id", "a block id is 64 lowercase hex characters, got '" + abbreviate(value) + "'");
        }
        return value;
    }

    private static String abbreviate(String value) {
        if (value == null) {
            return "";
        }
        return value.length() > 80 ? value.substring(0, 80) + "…" : value;
    }
}
