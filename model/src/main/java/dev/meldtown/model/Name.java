package dev.meldtown.model;

import java.util.regex.Pattern;

/**
 * A tenant, document, replica, town, peer or remote name (contracts §2): {@value #RULE}. The one place this rule
 * lives; everything that reaches an S3 key, an event or SQL is a {@code Name} first.
 */
public record Name(String value) implements Comparable<Name> {
    /** The rule, as error messages and documentation quote it. */
    public static final String RULE = "[a-z0-9][a-z0-9-]{0,62}";
    private static final Pattern PATTERN = Pattern.compile(RULE);

    /** @throws InvalidNameException unless {@code value} follows {@link #RULE} */
    public Name {
        if (!isValid(value)) {
            throw new InvalidNameException("name", value);
        }
    }

    /** {@code value} as a {@code kind} name ("tenant", "doc", "replica", "town name"…), named in the error. */
    public static Name of(String kind, String value) {
        if (!isValid(value)) {
            throw new InvalidNameException(kind, value);
        }
        return new Name(value);
    }

    public static boolean isValid(String value) {
        return value != null && PATTERN.matcher(value).matches();
    }

    @Override
    public int compareTo(Name other) {
        return value.compareTo(other.value);
    }

    @Override
    public String toString() {
        return value;
    }
}
