package dev.meldtown.merge;

import dev.meldtown.events.EventCodec;
import dev.meldtown.model.DocRef;
import dev.meldtown.model.DocumentSettings;
import dev.meldtown.model.ReplicaRef;
import dev.meldtown.service.S3Config;
import dev.meldtown.storage.s3.BucketLayout;
import dev.meldtown.storage.s3.S3Storage;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Pattern;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CommonPrefix;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The bucket as the merge-service sees it: each replica's files as stored ({@link #files(ReplicaRef)}: a
 * {@link S3Storage} whose keys carry {@code .flate} for flate documents, so copies move the stored objects as they
 * are), listings with sizes, settings, and the service's own objects (checkpoints, results) by {@link BucketLayout} key.
 */
@ApplicationScoped
public class Bucket {
    /** A Melda file name ({@code <64 hex>.delta|pack|index}). */
    public static final Pattern FILE = Pattern.compile("[0-9a-f]{64}\\.(delta|pack|index)");

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

    /** The size of an object, or empty if it does not exist. */
    public OptionalLong size(String key) {
        try {
            return OptionalLong.of(s3.headObject(b -> b.bucket(config.bucket()).key(key)).contentLength());
        } catch (NoSuchKeyException e) {
            return OptionalLong.empty();
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return OptionalLong.empty();
            }
            throw e;
        }
    }

    public boolean exists(String key) {
        return size(key).isPresent();
    }

    /** The stored files of a replica, {@code .flate} suffix included for flate documents (server-side copies between them). */
    public S3Storage files(ReplicaRef replica) {
        return new S3Storage(s3, config.bucket(), BucketLayout.replica(replica));
    }

    /** The Melda files of a replica with their stored sizes, by file name ({@code .flate} removed for flate docs). */
    public SortedMap<String, Long> files(String tenant, String doc, String replica, boolean flate) {
        String prefix = BucketLayout.replica(ReplicaRef.of(tenant, doc, replica)) + "/";
        SortedMap<String, Long> out = new TreeMap<>();
        for (S3Object o : s3.listObjectsV2Paginator(b -> b.bucket(config.bucket()).prefix(prefix)).contents()) {
            String name = BucketLayout.keyAt(prefix, o.key());
            if (name == null) {
                continue;
            }
            if (flate) {
                if (!name.endsWith(BucketLayout.FLATE)) {
                    continue;
                }
                name = name.substring(0, name.length() - BucketLayout.FLATE.length());
            }
            if (FILE.matcher(name).matches()) {
                out.put(name, o.size());
            }
        }
        return out;
    }

    /** Replicas of a document holding at least one object, sorted. */
    public List<String> replicas(String tenant, String doc) {
        DocRef ref = DocRef.of(tenant, doc);
        List<String> names = new ArrayList<>();
        for (var page : s3.listObjectsV2Paginator(b -> b.bucket(config.bucket()).prefix(BucketLayout.replicas(ref)).delimiter("/"))) {
            for (CommonPrefix p : page.commonPrefixes()) {
                ReplicaRef replica = BucketLayout.replicaOf(ref, p.prefix());
                if (replica != null) {
                    names.add(replica.replica().value());
                }
            }
        }
        names.sort(null);
        return names;
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
