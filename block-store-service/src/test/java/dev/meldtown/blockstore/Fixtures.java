package dev.meldtown.blockstore;

import static io.restassured.RestAssured.given;

import dev.meldtown.crdt.MemoryStorage;
import dev.meldtown.crdt.Replica;
import dev.meldtown.testkit.Tokens;
import io.restassured.specification.RequestSpecification;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** Shared test data: real Melda files made by the CRDT library, and authenticated requests. */
final class Fixtures {
    private Fixtures() {
    }

    static String uniqueDoc() {
        return "doc-" + UUID.randomUUID().toString().substring(0, 8);
    }

    static RequestSpecification as(String tenant, String role) {
        return given().header("Authorization", "Bearer " + Tokens.token(tenant, role));
    }

    /** A local replica with one commit; its files are uploaded by the tests. */
    static MemoryStorage localReplica(String json) {
        MemoryStorage storage = new MemoryStorage();
        Replica replica = Replica.open(storage);
        replica.update(json);
        replica.commit("alice", "first");
        return storage;
    }

    /** Keys in upload order: packs (and indexes) before deltas. */
    static List<String> uploadOrder(MemoryStorage storage) {
        List<String> keys = new ArrayList<>();
        storage.list(".pack").forEach(k -> keys.add(k + ".pack"));
        storage.list(".index").forEach(k -> keys.add(k + ".index"));
        storage.list(".delta").forEach(k -> keys.add(k + ".delta"));
        return keys;
    }

    /**
     * Every object under {@code prefix} as {@code key@etag/size}, sorted, but the quotas' saved usage (the tenant's and
     * each replica's charge). The service saves those once a second from earlier good writes whatever a refused request
     * does, so a test that checks "nothing was stored" compares the rest. S3Proxy's filesystem store lists a write in
     * progress as {@code name-<uuid>} with no ETag until it renames it, so those are left out too.
     */
    static List<String> storedObjects(software.amazon.awssdk.services.s3.S3Client s3, String bucket, String prefix) {
        return s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(prefix)).contents().stream()
                .filter(o -> !SAVED_USAGE.matcher(o.key()).matches())
                .map(o -> o.key() + "@" + o.eTag() + "/" + o.size()).sorted().toList();
    }

    private static final java.util.regex.Pattern SAVED_USAGE = java.util.regex.Pattern.compile(
            "tenants/[^/]+/quota/(usage\\.json|replicas/.+\\.json)(-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})?");

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
