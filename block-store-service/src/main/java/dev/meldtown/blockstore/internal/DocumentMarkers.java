package dev.meldtown.blockstore.internal;

import dev.meldtown.model.DocRef;
import dev.meldtown.service.S3Config;
import dev.meldtown.storage.s3.BucketLayout;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Which documents count towards their tenant's {@code maxDocuments} (issue 14 quotas): a document counts from the first
 * write to it that succeeded, through an empty marker ({@link BucketLayout.Quotas#doc}) written once with
 * {@code If-None-Match: *}, so two instances never count it twice. The documents this instance has seen counted are
 * remembered (at most {@value #MAX_KNOWN_DOCS}), so a write to one costs no S3 request.
 */
@ApplicationScoped
public class DocumentMarkers {
    private static final int MAX_KNOWN_DOCS = 10_000;

    @Inject
    S3Client s3;

    @Inject
    S3Config s3Config;

    private final Set<String> knownDocs = ConcurrentHashMap.newKeySet();

    /** True when this instance has seen the document counted (no S3 request). */
    public boolean known(DocRef doc) {
        return knownDocs.contains(doc.toString());
    }

    /** True when the document counts: remembered, or its marker is stored (then remembered). */
    public boolean counted(DocRef doc) {
        if (known(doc)) {
            return true;
        }
        if (stored(doc)) {
            remember(doc);
            return true;
        }
        return false;
    }

    /** Whether the document's marker is stored, asked of S3 whatever this instance remembers. */
    public boolean stored(DocRef doc) {
        try {
            s3.headObject(b -> b.bucket(s3Config.bucket()).key(BucketLayout.Quotas.doc(doc)));
            return true;
        } catch (NoSuchKeyException e) {
            return false;
        }
    }

    /**
     * After a successful write: the document counts from now on, once, whichever instance gets there first.
     *
     * @return true when this call wrote the marker (the document is new to the usage)
     */
    public boolean mark(DocRef doc) {
        if (known(doc)) {
            return false;
        }
        boolean created = true;
        try {
            s3.putObject(b -> b.bucket(s3Config.bucket()).key(BucketLayout.Quotas.doc(doc)).ifNoneMatch("*"), RequestBody.empty());
        } catch (S3Exception e) {
            if (e.statusCode() != 412 && e.statusCode() != 409) {
                throw e;
            }
            created = false;
        }
        remember(doc);
        return created;
    }

    /** The document was removed and its usage given back: its marker goes. */
    public void removed(DocRef doc) {
        knownDocs.remove(doc.toString());
        s3.deleteObject(b -> b.bucket(s3Config.bucket()).key(BucketLayout.Quotas.doc(doc)));
    }

    /** A deleted tenant: forgets its documents (their markers go with its prefix). */
    public void forget(String tenant) {
        knownDocs.removeIf(d -> d.startsWith(tenant + "/"));
    }

    private void remember(DocRef doc) {
        if (knownDocs.size() >= MAX_KNOWN_DOCS) {
            knownDocs.clear();
        }
        knownDocs.add(doc.toString());
    }
}
