package dev.meldtown.model;

/** A name that does not follow {@link Name#RULE}; the message reads {@code <kind> must match <rule>, got '<value>'}. */
public final class InvalidNameException extends IllegalArgumentException {
    private final String kind;

    public InvalidNameException(String kind, String value) {
        super(kind + " must match " + Name.RULE + ", got '" + abbreviate(value) + "'");
        this.kind = kind;
    }

    /** What the name names ("tenant", "replica", "town name"…). */
    public String kind() {
        return kind;
    }

    private static String abbreviate(String value) {
        if (value == null) {
            return "";
        }
        return value.length() > 80 ? value.substring(0, 80) + "…" : value;
    }
}
