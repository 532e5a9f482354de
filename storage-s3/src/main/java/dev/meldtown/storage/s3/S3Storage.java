package dev.meldtown.storage.s3;

import dev.meldtown.crdt.MissingKeyException;
import dev.meldtown.crdt.ReplicaStorage;
import dev.meldtown.crdt.StorageException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * A replica in an S3 bucket: {@code <prefix>/<key[0..2]>/<key>}, Melda's file layout, so a prefix copied to a
 * directory opens with {@code file://}. Writes are write-once through {@code If-None-Match: *}, which S3 applies
 * atomically, so concurrent writers of one key leave exactly one object. Retries with backoff on 5xx and
 * throttling come from the SDK's retry strategy of the client passed in.
 */
public final class S3Storage implements ReplicaStorage {
    /**
     * User metadata ({@code x-amz-meta-meldtown-write}) naming the call that wrote an object: a random id per write,
     * so that a retried PUT can recognise its own first attempt. Not part of the replica's content.
     */
    static final String WRITE_ID = "meldtown-write";
    private final S3Client s3;
    private final String bucket;
    private final String prefix;
    private final boolean ownsClient;
    private int pageSize = 1000;

    /** {@code prefix} without leading or trailing slash, e.g. {@code tenants/acme/docs/todo/replicas/hub}. */
    public S3Storage(S3Client s3, String bucket, String prefix) {
        this(s3, bucket, prefix, false);
    }

    S3Storage(S3Client s3, String bucket, String prefix, boolean ownsClient) {
        this.s3 = s3;
        this.bucket = bucket;
        this.prefix = trimSlashes(prefix);
        this.ownsClient = ownsClient;
    }

    /** Keys per ListObjectsV2 page (S3's maximum is 1000); smaller pages exercise pagination in tests. */
    S3Storage pageSize(int keys) {
        this.pageSize = keys;
        return this;
    }

    public String bucket() {
        return bucket;
    }

    public String prefix() {
        return prefix;
    }

    /** The object key of a replica key: {@code prefix/ab/abcdef…}. */
    public String objectKey(String key) {
        ReplicaStorage.checkKey(key);
        return BucketLayout.fileIn(prefix, key);
    }

    @Override
    public byte[] read(String key) {
        try {
            return s3.getObjectAsBytes(b -> b.bucket(bucket).key(objectKey(key))).asByteArray();
        } catch (NoSuchKeyException e) {
            throw new MissingKeyException(key);
        } catch (SdkException e) {
            throw failure("read", key, e);
        }
    }

    /** Up to 16 GETs in flight ({@link ReplicaStorage#readConcurrently}): loading a replica is not one round trip per file. */
    @Override
    public Map<String, byte[]> readAll(Collection<String> keys) {
        return ReplicaStorage.readConcurrently(this, keys);
    }

    @Override
    public byte[] read(String key, long offset, int length) {
        if (offset == 0 && length == 0) {
            return read(key);
        }
        if (offset < 0 || length < 0) {
            throw new StorageException("invalid range " + offset + "+" + length + " of " + key);
        }
        if (length == 0) {
            return emptyRange(key, offset);
        }
        byte[] bytes;
        try {
            bytes = s3.getObjectAsBytes(b -> b.bucket(bucket).key(objectKey(key)).range("bytes=" + offset + "-" + (offset + length - 1)))
                    .asByteArray();
        } catch (NoSuchKeyException e) {
            throw new MissingKeyException(key);
        } catch (S3Exception e) {
            if (e.statusCode() == 416) {
                throw new StorageException("range " + offset + "+" + length + " outside " + key);
            }
            throw failure("read", key, e);
        } catch (SdkException e) {
            throw failure("read", key, e);
        }
        if (bytes.length != length) {
            // S3 truncates a range that runs past the end; the contract says that is an error.
            throw new StorageException("range " + offset + "+" + length + " outside " + key);
        }
        return bytes;
    }

    /** S3 has no empty byte range: check the offset against the object's size instead. */
    private byte[] emptyRange(String key, long offset) {
        long size;
        try {
            size = s3.headObject(b -> b.bucket(bucket).key(objectKey(key))).contentLength();
        } catch (NoSuchKeyException e) {
            throw new MissingKeyException(key);
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                throw new MissingKeyException(key);
            }
            throw failure("head", key, e);
        } catch (SdkException e) {
            throw failure("head", key, e);
        }
        if (offset > size) {
            throw new StorageException("range " + offset + "+0 outside " + key + " (" + size + " bytes)");
        }
        return new byte[0];
    }

    @Override
    public boolean write(String key, byte[] data) {
        String writeId = java.util.UUID.randomUUID().toString();
        try {
            s3.putObject(b -> b.bucket(bucket).key(objectKey(key)).ifNoneMatch("*").metadata(java.util.Map.of(WRITE_ID, writeId)),
                    RequestBody.fromBytes(data));
            return true;
        } catch (S3Exception e) {
            // 412: the key exists (write-once). 409: a concurrent conditional write to the same key is in flight.
            if (e.statusCode() == 412 || e.statusCode() == 409) {
                // A retried PUT can meet its own first attempt, which did land (its answer was lost): the object then
                // carries this call's write id. The same bytes alone would not tell it from an identical earlier write.
                return e.numAttempts() != null && e.numAttempts() > 1 && writtenBy(key, writeId);
            }
            throw failure("write", key, e);
        } catch (SdkException e) {
            throw failure("write", key, e);
        }
    }

    /** Whether the stored object was written by the call that chose {@code writeId}. */
    private boolean writtenBy(String key, String writeId) {
        try {
            return writeId.equals(s3.headObject(b -> b.bucket(bucket).key(objectKey(key))).metadata().get(WRITE_ID));
        } catch (NoSuchKeyException e) {
            return false;
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return false;
            }
            throw failure("write", key, e);
        }
    }

    @Override
    public List<String> list(String suffix) {
        String listPrefix = prefix.isEmpty() ? "" : prefix + "/";
        List<String> keys = new ArrayList<>();
        try {
            for (S3Object object : s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(listPrefix).maxKeys(pageSize)).contents()) {
                // Only <2 chars>/<key starting with those chars>: anything else under the prefix is foreign.
                String key = BucketLayout.keyAt(listPrefix, object.key());
                if (key != null && key.endsWith(suffix)) {
                    keys.add(key.substring(0, key.length() - suffix.length()));
                }
            }
        } catch (SdkException e) {
            throw failure("list", prefix, e);
        }
        keys.sort(null);
        return keys;
    }

    /**
     * One page through S3's own pagination: the listing starts after the object key of {@code startAfter} and
     * stops as soon as {@code limit} keys are found, so a page costs about one ListObjectsV2 request whatever the
     * size of the replica (more only when many objects under the prefix do not end in {@code suffix}).
     */
    @Override
    public List<String> listPage(String suffix, String startAfter, int limit) {
        String listPrefix = prefix.isEmpty() ? "" : prefix + "/";
        List<String> keys = new ArrayList<>();
        if (limit <= 0) {
            return keys;
        }
        String from = startAfter == null ? null : listPrefix + layoutPrefix(startAfter);
        String token = null;
        try {
            do {
                String continuation = token;
                int maxKeys = Math.min(pageSize, limit - keys.size() + (continuation == null && from != null ? 1 : 0));
                ListObjectsV2Response page = s3.listObjectsV2(b -> {
                    b.bucket(bucket).prefix(listPrefix).maxKeys(Math.max(1, maxKeys));
                    if (continuation != null) {
                        b.continuationToken(continuation);
                    } else if (from != null) {
                        b.startAfter(from);
                    }
                });
                for (S3Object object : page.contents()) {
                    String key = BucketLayout.keyAt(listPrefix, object.key());
                    if (key != null && key.endsWith(suffix) && (startAfter == null || key.compareTo(startAfter) > 0)) {
                        keys.add(key);
                        if (keys.size() == limit) {
                            return keys;
                        }
                    }
                }
                token = Boolean.TRUE.equals(page.isTruncated()) ? page.nextContinuationToken() : null;
            } while (token != null);
        } catch (SdkException e) {
            throw failure("list", prefix, e);
        }
        return keys;
    }

    /**
     * An object-key position (under the prefix) at or before every replica key that sorts after {@code s}: keys are
     * laid out as {@code <k[0..2]>/<k>}, which sorts as {@code k} does. Only the leading characters a key can hold
     * are used (the rest is compared by the caller), so any client-supplied text is safe to send.
     */
    private static String layoutPrefix(String s) {
        int n = 0;
        while (n < s.length() && n < 128 && isKeyChar(s.charAt(n))) {
            n++;
        }
        String safe = s.substring(0, n);
        return safe.length() < 2 ? safe : safe.substring(0, 2) + "/" + safe;
    }

    private static boolean isKeyChar(char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || c == '.';
    }

    @Override
    public boolean exists(String key) {
        return size(key).isPresent();
    }

    /** The stored size (HEAD), which for this storage is the content's size. */
    @Override
    public OptionalLong size(String key) {
        try {
            return OptionalLong.of(s3.headObject(b -> b.bucket(bucket).key(objectKey(key))).contentLength());
        } catch (NoSuchKeyException e) {
            return OptionalLong.empty();
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return OptionalLong.empty();
            }
            throw failure("head", key, e);
        } catch (SdkException e) {
            throw failure("head", key, e);
        }
    }

    /**
     * From another {@code S3Storage} on the same endpoint (any bucket): a server-side CopyObject that never
     * overwrites. S3Proxy (our test and stack server) ignores conditions on CopyObject, so the destination is
     * checked first (one HEAD) and the copy still carries {@code If-None-Match: *} for servers that honour it. The
     * window between the check and the copy is a race only for a concurrent writer of the same key; keys of
     * deltas and packs hash their content, so such a race rewrites the same bytes. An {@code .index} (not named
     * by its content) could be replaced by a concurrent copy of another index of the same pack: both describe
     * the same pack, so readers are served either way.
     */
    @Override
    public boolean copy(ReplicaStorage source, String key) {
        if (!(source instanceof S3Storage other)) {
            return ReplicaStorage.super.copy(source, key);
        }
        String to = objectKey(key);
        String from = other.objectKey(key);
        if (exists(key)) {
            return false;
        }
        try {
            s3.copyObject(b -> b.sourceBucket(other.bucket).sourceKey(from).destinationBucket(bucket).destinationKey(to).ifNoneMatch("*"));
            return true;
        } catch (NoSuchKeyException e) {
            throw new MissingKeyException(key);
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                throw new MissingKeyException(key);
            }
            if (e.statusCode() == 412 || e.statusCode() == 409) {
                return false;
            }
            throw failure("copy", key, e);
        } catch (SdkException e) {
            throw failure("copy", key, e);
        }
    }

    @Override
    public void close() {
        if (ownsClient) {
            s3.close();
        }
    }

    private StorageException failure(String op, String key, SdkException e) {
        String where = "s3://" + bucket + "/" + prefix;
        return new StorageException("S3 " + op + (op.equals("list") ? " of " + where : " of " + key + " in " + where) + " failed: " + describe(e), e);
    }

    /** Longest reason kept in a message: the SDK's own messages run to 1,500 characters (issue 10 item 12). */
    static final int MAX_REASON = 160;

    /**
     * One short readable reason for an SDK failure: the service's error code and message for an S3 error, a
     * plain sentence for missing credentials, an unknown host or a refused connection, else the first sentence of
     * the SDK's message, cut at {@link #MAX_REASON} characters.
     */
    static String describe(SdkException e) {
        if (e instanceof S3Exception s3 && s3.awsErrorDetails() != null) {
            var d = s3.awsErrorDetails();
            String code = d.errorCode() == null ? "" : d.errorCode();
            String msg = d.errorMessage() == null ? "" : d.errorMessage();
            return cut((code + (code.isEmpty() || msg.isEmpty() ? "" : ": ") + msg).strip() + " (HTTP " + s3.statusCode() + ")");
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.net.UnknownHostException) {
                return "unknown host " + t.getMessage();
            }
            if (t instanceof java.net.ConnectException) {
                return "cannot connect to the S3 endpoint (" + cut(t.getMessage() == null ? "connection refused" : t.getMessage()) + ")";
            }
        }
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        if (m.contains("Unable to load credentials")) {
            return "no AWS credentials (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)";
        }
        if (m.contains("Unable to load region")) {
            return "no AWS region (set AWS_REGION)";
        }
        int end = m.indexOf(". ");
        return cut(end > 0 ? m.substring(0, end + 1) : m);
    }

    private static String cut(String s) {
        String one = s.replaceAll("\\s+", " ").strip();
        return one.length() <= MAX_REASON ? one : one.substring(0, MAX_REASON - 1) + "…";
    }

    /** The prefix without leading or trailing slashes (no regex: a storage is made per request). */
    private static String trimSlashes(String prefix) {
        if (prefix == null) {
            return "";
        }
        int start = 0;
        int end = prefix.length();
        while (start < end && prefix.charAt(start) == '/') {
            start++;
        }
        while (end > start && prefix.charAt(end - 1) == '/') {
            end--;
        }
        return prefix.substring(start, end);
    }
}
