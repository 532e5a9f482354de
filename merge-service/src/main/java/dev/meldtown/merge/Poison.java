package dev.meldtown.merge;

/**
 * An event that can never be processed as it is (invalid, naming an unknown document or replica, or objects
 * that are not stored): it goes to the dead-letter topic with {@link #reason()} and never blocks its partition.
 */
public final class Poison extends RuntimeException {
    private final String category;

    public Poison(String category, String reason) {
        super(reason);
        this.category = category;
    }

    /** {@code invalid-event}, {@code unknown-doc}, {@code unknown-replica}, {@code missing-objects}, {@code corrupt-block}, {@code key-mismatch}, {@code failed}. */
    public String category() {
        return category;
    }

    public String reason() {
        return getMessage();
    }
}
