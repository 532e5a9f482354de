package dev.meldtown.model;

/** A document of a tenant, by validated names. */
public record DocRef(Name tenant, Name doc) {
    public DocRef {
        if (tenant == null || doc == null) {
            throw new IllegalArgumentException("a document needs a tenant and a doc name");
        }
    }

    /** @throws InvalidNameException naming "tenant" or "doc" */
    public static DocRef of(String tenant, String doc) {
        return new DocRef(Name.of("tenant", tenant), Name.of("doc", doc));
    }

    /** One replica of this document. */
    public ReplicaRef replica(String replica) {
        return new ReplicaRef(this, Name.of("replica", replica));
    }

    @Override
    public String toString() {
        return tenant + "/" + doc;
    }
}
