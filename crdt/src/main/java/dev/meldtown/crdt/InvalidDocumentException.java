package dev.meldtown.crdt;

/** A document given to {@link Replica#update} that cannot be flattened (bad {@code _id}, colliding ids, not an object). */
public class InvalidDocumentException extends MeldaException {
    public InvalidDocumentException(String message) {
        super(message);
    }
}
