package dev.meldtown.blockstore.internal;

import dev.meldtown.model.InvalidNameException;
import dev.meldtown.model.Name;
import dev.meldtown.service.ProblemException;
import java.util.regex.Pattern;

/** Validation of every name that reaches S3 keys or events: nothing unvalidated is ever concatenated into a key. */
public final class Names {
    private static final Pattern KEY = Pattern.compile("[0-9a-f]{64}\\.(delta|pack|index)");
    private static final Pattern BLOCK = Pattern.compile("[0-9a-f]{64}");

    private Names() {
    }

    /** A tenant, doc or replica name ({@link Name}); 400 {@code invalid-name} otherwise. */
    public static String name(String kind, String value) {
        try {
            return Name.of(kind, value).value();
        } catch (InvalidNameException e) {
            throw invalidName(e);
        }
    }

    /** The problem for a name that breaks {@link Name#RULE}: 400 {@code invalid-name}, the rule and the value in the detail. */
    public static ProblemException invalidName(InvalidNameException e) {
        return new ProblemException(400, "invalid-name", "Invalid name", e.getMessage());
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
