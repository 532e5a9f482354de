package dev.meldtown.crdt;

/**
 * A document that exceeds {@link DocumentLimits} (too deep, an array or object too large, a string or the whole
 * document too long). A kind of {@link InvalidDocumentException}; services answer it with 400.
 */
public class DocumentLimitException extends InvalidDocumentException {
    public DocumentLimitException(String message) {
        super(message);
    }
}
