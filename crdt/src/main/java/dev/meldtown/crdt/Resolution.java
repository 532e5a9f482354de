package dev.meldtown.crdt;

/** Outcome of resolving one object: its new winner and the winner before. Staged; needs a commit. */
public record Resolution(String uuid, Revision winner, Revision previousWinner) {
}
