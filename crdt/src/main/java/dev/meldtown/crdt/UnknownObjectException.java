package dev.meldtown.crdt;

/** An object id (uuid) or block id that the replica does not know. */
public class UnknownObjectException extends MeldaException {
    public UnknownObjectException(String message) {
        super(message);
    }
}
