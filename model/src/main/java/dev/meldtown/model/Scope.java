package dev.meldtown.model;

import java.util.ArrayList;
import java.util.List;

/**
 * What a deletion removes: a whole tenant, one document, or one replica, by validated names ({@code doc} is null for
 * a tenant, {@code replica} null for a tenant or a document).
 */
public record Scope(Name tenant, Name doc, Name replica) {
    public Scope {
        if (tenant == null || (doc == null && replica != null)) {
            throw new IllegalArgumentException("a scope is a tenant, a tenant's document, or a document's replica");
        }
    }

    public static Scope tenant(String tenant) {
        return new Scope(Name.of("tenant", tenant), null, null);
    }

    public static Scope of(DocRef doc) {
        return new Scope(doc.tenant(), doc.doc(), null);
    }

    public static Scope of(ReplicaRef replica) {
        return new Scope(replica.tenant(), replica.doc().doc(), replica.replica());
    }

    public boolean isTenant() {
        return doc == null;
    }

    public boolean isDoc() {
        return doc != null && replica == null;
    }

    public boolean isReplica() {
        return replica != null;
    }

    public DocRef docRef() {
        if (doc == null) {
            throw new IllegalStateException("a tenant scope has no document");
        }
        return new DocRef(tenant, doc);
    }

    public ReplicaRef replicaRef() {
        if (replica == null) {
            throw new IllegalStateException("scope " + this + " is no replica");
        }
        return new ReplicaRef(docRef(), replica);
    }

    /** The scopes that contain this one, widest first, this one last: tenant, then document, then replica. */
    public List<Scope> lineage() {
        List<Scope> out = new ArrayList<>(3);
        out.add(new Scope(tenant, null, null));
        if (doc != null) {
            out.add(new Scope(tenant, doc, null));
        }
        if (replica != null) {
            out.add(this);
        }
        return out;
    }

    /** {@code tenant}, {@code document} or {@code replica}. */
    public String kind() {
        return isTenant() ? "tenant" : isDoc() ? "document" : "replica";
    }

    /** {@code t}, {@code t/d} or {@code t/d/r}. */
    @Override
    public String toString() {
        return tenant + (doc == null ? "" : "/" + doc) + (replica == null ? "" : "/" + replica);
    }
}
