package dev.meldtown.merge;

import dev.meldtown.events.EventCodec;
import dev.meldtown.service.BucketLayout;
import dev.meldtown.service.S3Config;
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

/** The S3 operations of a meld, on object keys: existence, listings, conditional server-side copies. */
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

    /** The Melda files of a replica with their stored sizes, by file name ({@code .flate} removed for flate docs). */
    public SortedMap<String, Long> files(String tenant, String doc, String replica, boolean flate) {
        String prefix = BucketLayout.replica(tenant, doc, replica) + "/";
        SortedMap<String, Long> out = new TreeMap<>();
        for (S3Object o : s3.listObjectsV2Paginator(b -> b.bucket(config.bucket()).prefix(prefix)).contents()) {
            String rest = o.key().substring(prefix.length());
            if (rest.length() < 4 || rest.charAt(2) != '/') {
                continue;
            }
            String name = rest.substring(3);
            if (flate) {
                if (!name.endsWith(".flate")) {
                    continue;
                }
                name = name.substring(0, name.length() - ".flate".length());
            }
            if (FILE.matcher(name).matches() && name.startsWith(rest.substring(0, 2))) {
                out.put(name, o.size());
            }
        }
        return out;
    }

    /** Replicas of a document holding at least one object, sorted. */
    public List<String> replicas(String tenant, String doc) {
        String prefix = BucketLayout.replicas(tenant, doc);
        List<String> names = new ArrayList<>();
        for (var page : s3.listObjectsV2Paginator(b -> b.bucket(config.bucket()).prefix(prefix).delimiter("/"))) {
            for (CommonPrefix p : page.commonPrefixes()) {
                names.add(p.prefix().substring(prefix.length(), p.prefix().length() - 1));
            }
        }
        names.sort(null);
        return names;
    }

    /**
     * Server-side copy that never overwrites: the destination is checked first (some S3 servers, S3Proxy among
     * them, ignore conditions on CopyObject), and {@code If-None-Match: *} closes the race where the server honours
     * it. Returns false when the destination already existed (or 412/409 from a concurrent conditional write).
     * Keys are content hashes, so a racing copy could only ever store the same content.
     */
    public boolean copy(String from, String to) {
        if (exists(to)) {
            return false;
        }
        try {
            s3.copyObject(b -> b.sourceBucket(config.bucket()).sourceKey(from)
                    .destinationBucket(config.bucket()).destinationKey(to).ifNoneMatch("*"));
            return true;
        } catch (S3Exception e) {
            if (e.statusCode() == 412 || e.statusCode() == 409) {
                return false;
            }
            throw e;
        }
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
    public DocSettings settingsOrNull(String tenant, String doc) {
        byte[] json = getOrNull(BucketLayout.settings(tenant, doc));
        if (json == null) {
            return replicas(tenant, doc).isEmpty() ? null : DocSettings.DEFAULT;
        }
        try {
            DocSettings s = EventCodec.mapper().readValue(json, DocSettings.class);
            return new DocSettings(s.compression() == null ? "none" : s.compression(),
                    s.conflictPolicy() == null ? "keep" : s.conflictPolicy());
        } catch (IOException e) {
            throw new Poison("unknown-doc", "unreadable settings of " + tenant + "/" + doc + ": " + e.getMessage());
        }
    }
}
