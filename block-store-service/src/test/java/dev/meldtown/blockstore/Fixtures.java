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

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
