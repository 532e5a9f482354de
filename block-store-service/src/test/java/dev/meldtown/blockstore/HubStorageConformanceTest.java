package dev.meldtown.blockstore;

import dev.meldtown.crdt.ReplicaStorage;
import dev.meldtown.crdt.StorageConformanceTest;
import dev.meldtown.storage.hub.HubStorage;
import dev.meldtown.testkit.Tokens;
import dev.meldtown.testkit.quarkus.KafkaTestResource;
import dev.meldtown.testkit.quarkus.S3TestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import java.net.URI;
import java.util.UUID;

/** The shared storage contract, passed by the hub adapter against this real service (and through it, real S3). */
@QuarkusTest
@QuarkusTestResource(value = KafkaTestResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = S3TestResource.class, restrictToAnnotatedClass = true)
class HubStorageConformanceTest extends StorageConformanceTest {
    @Override
    protected ReplicaStorage newStorage() {
        return hub("r-" + UUID.randomUUID().toString().substring(0, 8));
    }

    @Override
    protected ReplicaStorage reopen(ReplicaStorage storage) {
        return storage;
    }

    static HubStorage hub(String replica) {
        return new HubStorage(URI.create("http://127.0.0.1:" + RestAssured.port + "/v1/tenants/acme/docs/conformance/replicas/" + replica),
                Tokens.token("acme", "writer"));
    }
}
