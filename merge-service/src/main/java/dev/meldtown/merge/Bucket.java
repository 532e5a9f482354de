package dev.meldtown.merge;

import dev.meldtown.events.EventCodec;
import dev.meldtown.model.DocRef;
import dev.meldtown.model.DocumentSettings;
import dev.meldtown.model.ReplicaRef;
import dev.meldtown.service.S3Config;
import dev.meldtown.storage.s3.BucketLayout;
import dev.meldtown.storage.s3.BucketListings;
import dev.meldtown.storage.s3.S3Storage;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.util.List;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * The bucket as the merge-service sees it: each replica's files as stored ({@link #files(ReplicaRef)}: a
 * {@link S3Storage} whose keys carry {@code .flate} for flate documents, so copies move the stored objects as they
 * are), the replicas of a document, settings, and the service's own objects (checkpoints, results) by {@link BucketLayout} key.
 */
@ApplicationScoped
public class Bucket {
    @Inject
    S3Client s3;

    @Inject
    S3Config config;

    public S3Client client() {
        return s3;
    }

    public String name() {
        return config.bucket();
    }

    /** The stored files of a replica, {@code .flate} suffix included for flate documents (server-side copies between them). */
    public S3Storage files(ReplicaRef replica) {
        return new S3Storage(s3, config.bucket(), BucketLayout.replica(replica));
    }

    /** Replicas of a document holding at least one object, sorted. */
    public List<String> replicas(String tenant, String doc) {
        return BucketListings.replicas(s3, config.bucket(), DocRef.of(tenant, doc));
    }

    /** The bytes of an object, or null if it does not exist. */
    public byte[] getOrNull(String key) {
        try {
            return s3.getObjectAsBytes(b -> b.bucket(config.bucket()).key(key)).asByteArray();
        } catch (NoSuchKeyException e) {
            return null;
        }
    }

    public void put(String key, byte[] bytes) {
        s3.putObject(b -> b.bucket(config.bucket()).key(key), RequestBody.fromBytes(bytes));
    }

    /** Write-once put; false when the key existed. */
    public boolean putIfAbsent(String key, byte[] bytes) {
        try {
            s3.putObject(b -> b.bucket(config.bucket()).key(key).ifNoneMatch("*"), RequestBody.fromBytes(bytes));
            return true;
        } catch (S3Exception e) {
            if (e.statusCode() == 412 || e.statusCode() == 409) {
                return false;
            }
            throw e;
        }
    }

    /** The document's settings, or null when the document has neither settings nor replicas (unknown). */
    public DocumentSettings settingsOrNull(String tenant, String doc) {
        byte[] json = getOrNull(BucketLayout.settings(DocRef.of(tenant, doc)));
        if (json == null) {
            return replicas(tenant, doc).isEmpty() ? null : DocumentSettings.DEFAULT;
        }
        try {
            return EventCodec.mapper().readValue(json, DocumentSettings.class);
        } catch (IOException e) {
            throw new Poison("unknown-doc", "unreadable settings of " + tenant + "/" + doc + ": " + e.getMessage());
        }
    }
}
