package dev.meldtown.storage.s3;

import dev.meldtown.model.DocRef;
import dev.meldtown.model.ReplicaRef;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CommonPrefix;

/** What the bucket holds above one replica, read with delimited listings of {@link BucketLayout}'s prefixes. */
public final class BucketListings {
    private BucketListings() {
    }

    /** Names of the document's replicas that hold at least one object, sorted. */
    public static List<String> replicas(S3Client s3, String bucket, DocRef doc) {
        return names(s3, bucket, BucketLayout.replicas(doc), p -> {
            ReplicaRef replica = BucketLayout.replicaOf(doc, p);
            return replica == null ? null : replica.replica().value();
        });
    }

    /** Names of the tenants that hold anything under {@code tenants/}, sorted. */
    public static List<String> tenants(S3Client s3, String bucket) {
        return names(s3, bucket, "tenants/", p -> {
            String n = p.substring("tenants/".length(), p.length() - 1);
            return dev.meldtown.model.Name.isValid(n) ? n : null;
        });
    }

    /** Names of the tenant's documents (any with settings or files), sorted. */
    public static List<String> docs(S3Client s3, String bucket, String tenant) {
        return names(s3, bucket, BucketLayout.docs(tenant), p -> {
            DocRef doc = BucketLayout.docOf(tenant, p);
            return doc == null ? null : doc.doc().value();
        });
    }

    /** The valid names among the common prefixes under {@code prefix}, sorted; {@code name} gives null for others. */
    private static List<String> names(S3Client s3, String bucket, String prefix, Function<String, String> name) {
        List<String> names = new ArrayList<>();
        for (var page : s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(prefix).delimiter("/"))) {
            for (CommonPrefix p : page.commonPrefixes()) {
                String n = name.apply(p.prefix());
                if (n != null) {
                    names.add(n);
                }
            }
        }
        names.sort(null);
        return names;
    }
}
