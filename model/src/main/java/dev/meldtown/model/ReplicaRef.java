package dev.meldtown.model;

/** One replica of a document: {@code tenant/doc/replica}, by validated names. */
public record ReplicaRef(DocRef doc, Name replica) {
    public ReplicaRef {
        if (doc == null || replica == null) {
            throw new IllegalArgumentException("a replica needs a document and a replica name");
        }
    }

    /** @throws InvalidNameException naming "tenant", "doc" or "replica" */
    public static ReplicaRef of(String tenant, String doc, String replica) {
        return DocRef.of(tenant, doc).replica(replica);
    }

    public Name tenant() {
        return doc.tenant();
    }

    /** Another replica of the same document. */
    public ReplicaRef sibling(String replica) {
        return doc.replica(replica);
    }

    @Override
    public String toString() {
        return doc + "/" + replica;
    }
}
