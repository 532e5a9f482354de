package dev.meldtown.blockstore;

import static dev.meldtown.blockstore.Fixtures.as;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;

import dev.meldtown.crdt.MemoryStorage;
import dev.meldtown.service.S3Config;
import dev.meldtown.testkit.quarkus.KafkaTestResource;
import dev.meldtown.testkit.quarkus.S3TestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ValidatableResponse;
import jakarta.inject.Inject;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;

/** Every kind of bad input gets a clear 4xx problem and leaves the bucket exactly as it was. */
@QuarkusTest
@QuarkusTestResource(value = KafkaTestResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = S3TestResource.class, restrictToAnnotatedClass = true)
class BadInputTest {
    static final String BASE = "/v1/tenants/{tenant}/docs/{doc}/replicas/{replica}/files/{key}";
    static final String KEY = "0".repeat(64) + ".pack";

    @Inject
    S3Client s3;

    @Inject
    S3Config s3Config;

    @Test
    void badNamesAre400() {
        unchanged(400, () -> as("acme", "writer").body("x").put(BASE, "acme", "Todo", "alice", KEY).then());
        // a literal ".." segment: 400 invalid-name (issue 10 item 8; it was 404 when the path was normalised to no route)
        unchanged(400, () -> as("acme", "writer").body("x").put(BASE, "acme", "todo", "..", KEY).then());
        unchanged(400, () -> as("acme", "writer").body("x").put(BASE, "acme", "todo", "a".repeat(64), KEY).then());
        unchanged(400, () -> as("acme", "writer").body("x").put(BASE, "acme", "-todo", "alice", KEY).then());
        unchanged(400, () -> as("acme", "writer").body("x").put("/v1/tenants/acme/docs/todo/replicas/a%2F..%2Fb/files/" + KEY).then());
        unchanged(400, () -> as("acme", "reader").get("/v1/tenants/acme/docs/todo_x").then());
    }

    @Test
    void keysThatAreNotHashDotKindAre400() {
        for (String key : List.of("abc.delta", "0".repeat(64) + ".json", "0".repeat(63) + "G.pack", "A".repeat(64) + ".pack",
                "0".repeat(64) + ".delta.flate", "..%2F" + "0".repeat(64) + ".pack")) {
            unchanged(400, () -> as("acme", "writer").body("x").put("/v1/tenants/acme/docs/todo/replicas/alice/files/" + key).then());
        }
    }

    @Test
    void aHashMismatchIs422() {
        unchanged(422, () -> as("acme", "writer").body("[\"not the content of that name\"]").put(BASE, "acme", "todo", "alice", KEY).then()
                .body("type", equalTo("https://meldtown.dev/problems/hash-mismatch")));
    }

    @Test
    void anOversizeBodyIs413() {
        byte[] big = new byte[8 * 1024 * 1024 + 1];
        unchanged(413, () -> as("acme", "writer").body(big).put(BASE, "acme", "todo", "alice", sha(big) + ".pack").then());
    }

    @Test
    void invalidUtf8Is422() {
        byte[] bad = {'[', '"', (byte) 0xC3, (byte) 0x28, '"', ']'};
        unchanged(422, () -> as("acme", "writer").body(bad).put(BASE, "acme", "todo", "alice", sha(bad) + ".pack").then()
                .body("type", equalTo("https://meldtown.dev/problems/invalid-utf8")));
    }

    @Test
    void aDeltaThatIsNotAValidBlockIs422AndOneWhosePacksAreMissingIs409() {
        byte[] notABlock = "{\"hello\":\"world\"}".getBytes();
        unchanged(422, () -> as("acme", "writer").body(notABlock).put(BASE, "acme", "todo", "alice", sha(notABlock) + ".delta").then()
                .body("type", equalTo("https://meldtown.dev/problems/invalid-block")));
        MemoryStorage local = Fixtures.localReplica("{\"a\":1}");
        String delta = local.list(".delta").get(0);
        unchanged(409, () -> as("acme", "writer").body(local.read(delta + ".delta")).put(BASE, "acme", "todo", "alice", delta + ".delta").then()
                .body("missing", notNullValue()));
        byte[] emptyBlock = "{\"c\":[]}".getBytes();
        unchanged(422, () -> as("acme", "writer").body(emptyBlock).put(BASE, "acme", "todo", "alice", sha(emptyBlock) + ".delta").then());
        unchanged(422, () -> as("acme", "writer").body("[0]".getBytes()).put(BASE, "acme", "todo", "alice", "0".repeat(64) + ".index").then()
                .body("type", equalTo("https://meldtown.dev/problems/invalid-index")));
        byte[] garbagePack = "{not json".getBytes();
        unchanged(422, () -> as("acme", "writer").body(garbagePack).put(BASE, "acme", "todo", "alice", sha(garbagePack) + ".pack").then());
    }

    @Test
    void nonJsonOrNonObjectDocumentsAreRefused() {
        unchanged(400, () -> as("acme", "writer").contentType("application/json").body("{not json")
                .post("/v1/tenants/acme/docs/todo/replicas/alice/commits").then());
        unchanged(422, () -> as("acme", "writer").contentType("application/json").body("{\"document\":[1,2]}")
                .post("/v1/tenants/acme/docs/todo/replicas/alice/commits").then());
        unchanged(422, () -> as("acme", "writer").contentType("application/json").body("{\"author\":\"x\"}")
                .post("/v1/tenants/acme/docs/todo/replicas/alice/commits").then());
        unchanged(400, () -> as("acme", "writer").contentType("application/json").body("{\"compression\":\"zip\"}")
                .put("/v1/tenants/acme/docs/todo").then());
        unchanged(400, () -> as("acme", "reader").get("/v1/tenants/acme/docs/todo/replicas/alice/files?limit=0").then());
        unchanged(400, () -> as("acme", "reader").get("/v1/tenants/acme/docs/todo/replicas/alice/files?suffix=.exe").then());
        unchanged(400, () -> as("acme", "reader").get("/v1/tenants/acme/docs/todo/replicas/alice/document?block=xyz").then());
        unchanged(400, () -> as("acme", "writer").contentType("application/json").body("{\"source\":\"../x\"}")
                .post("/v1/tenants/acme/docs/todo/replicas/hub/meld").then());
    }

    @Test
    void typeMismatchedBodiesAre400ProblemJson() {
        for (String body : List.of("{\"source\":false}", "{\"source\":12}", "{\"source\":1.5}", "{\"source\":{\"a\":1}}",
                "{\"source\":[\"r\"]}", "[\"r\"]", "\"r\"", "true")) {
            List<String> before = snapshot();
            var answer = as("acme", "writer").contentType("application/json").body(body).post("/v1/tenants/acme/docs/todo/replicas/hub/meld")
                    .then().extract();
            assertThat(answer.statusCode()).as(body).isEqualTo(400);
            assertThat(answer.contentType()).as(body).startsWith("application/problem+json");
            assertThat(answer.jsonPath().getInt("status")).as(body).isEqualTo(400);
            assertThat(snapshot()).as(body).isEqualTo(before);
        }
        unchanged(400, () -> as("acme", "writer").contentType("application/json").body("{\"compression\":true}")
                .put("/v1/tenants/acme/docs/todo").then().body("type", equalTo("https://meldtown.dev/problems/invalid-json")));
        unchanged(400, () -> as("acme", "writer").contentType("application/json").body("{\"document\":{\"a\":1},\"author\":{}}")
                .post("/v1/tenants/acme/docs/todo/replicas/alice/commits").then());
        unchanged(400, () -> as("acme", "writer").contentType("application/json").body("{\"object\":1}")
                .post("/v1/tenants/acme/docs/todo/replicas/alice/resolve").then());
    }

    @Test
    void invalidIntegerQueryParametersAre400Not404() {
        for (String limit : List.of("abc", "1.5", "99999999999", "-1", "1001", "0x10")) {
            unchanged(400, () -> as("acme", "reader").get("/v1/tenants/acme/docs/todo/replicas/alice/files?limit=" + limit).then());
        }
    }

    @Test
    void anUnrepresentableRangeIs416ProblemJson() {
        MemoryStorage local = Fixtures.localReplica("{\"range\":true}");
        String pack = local.list(".pack").get(0) + ".pack";
        as("acme", "writer").body(local.read(pack)).put(BASE, "acme", "ranges", "alice", pack).then().statusCode(201);
        for (String range : List.of("bytes=0-99999999999999999999999", "bytes=99999999999999999999999-", "bytes=-99999999999999999999999")) {
            unchanged(416, () -> as("acme", "reader").header("Range", range).get(BASE, "acme", "ranges", "alice", pack).then());
        }
        as("acme", "reader").header("Range", "bytes=0-1").get(BASE, "acme", "ranges", "alice", pack).then().statusCode(206);
    }

    @Test
    void dotSegmentsAre400ProblemJson() throws Exception {
        for (String path : List.of("/v1/tenants/acme/docs/todo/replicas/../files/" + KEY, "/v1/tenants/acme/docs/todo/replicas/%2e%2e/files/" + KEY,
                "/v1/tenants/acme/docs/../replicas/alice/files/" + KEY, "/v1/tenants/acme/docs/todo/replicas/./files/" + KEY,
                "/v1/tenants/acme/docs/todo/replicas/alice/files/%2E%2E")) {
            List<String> before = snapshot();
            RawHttp.Answer a = RawHttp.send(io.restassured.RestAssured.port, "PUT " + path + " HTTP/1.1\r\nAuthorization: Bearer "
                    + dev.meldtown.testkit.Tokens.token("acme", "writer") + "\r\nContent-Type: application/octet-stream\r\nContent-Length: 1", "x".getBytes());
            assertThat(a.status()).as(path).isEqualTo(400);
            assertThat(a.header("Content-Type")).as(path).startsWith("application/problem+json");
            assertThat(a.body()).contains("\"status\":400").contains("invalid-name");
            assertThat(snapshot()).isEqualTo(before);
        }
    }

    @Test
    void tooLongUrisTooLargeHeadersAndTooLargeBodiesAreProblemJsonBeforeAnyWork() throws Exception {
        String token = dev.meldtown.testkit.Tokens.token("acme", "writer");
        RawHttp.Answer uri = RawHttp.send(io.restassured.RestAssured.port, "GET /v1/tenants/acme/docs/todo/replicas/alice/files?startAfter="
                + "a".repeat(9000) + " HTTP/1.1\r\nAuthorization: Bearer " + token, new byte[0]);
        assertProblem(uri, 414);
        RawHttp.Answer headers = RawHttp.send(io.restassured.RestAssured.port, "GET /v1/tenants/acme/docs/todo HTTP/1.1\r\nAuthorization: Bearer "
                + token + "\r\nX-Padding: " + "p".repeat(20_000), new byte[0]);
        assertProblem(headers, 431);
        List<String> before = snapshot();
        // a JSON body above 4 MiB is refused from its Content-Length, before it is read
        RawHttp.Answer json = RawHttp.send(io.restassured.RestAssured.port, "POST /v1/tenants/acme/docs/todo/replicas/alice/commits HTTP/1.1\r\n"
                + "Authorization: Bearer " + token + "\r\nContent-Type: application/json\r\nContent-Length: " + (5 * 1024 * 1024), "{\"document\":".getBytes());
        assertProblem(json, 413);
        // and any body above 16 MiB
        RawHttp.Answer file = RawHttp.send(io.restassured.RestAssured.port, "PUT /v1/tenants/acme/docs/todo/replicas/alice/files/" + KEY + " HTTP/1.1\r\n"
                + "Authorization: Bearer " + token + "\r\nContent-Type: application/octet-stream\r\nContent-Length: " + (100L * 1024 * 1024), new byte[10]);
        assertProblem(file, 413);
        assertThat(snapshot()).isEqualTo(before);
    }

    /** A delta whose changed object is in none of the replica's packs was stored, and reading then answered 500 corrupt-data. */
    @Test
    void aDeltaWhoseObjectIsInNoPackIs422AndNothingIsStored() throws InterruptedException {
        String files = "/v1/tenants/acme/docs/objects/replicas/alice/files/";
        dev.meldtown.crdt.CraftedFiles.CraftedPack pack = dev.meldtown.crdt.CraftedFiles.pack(List.of("{\"title\":\"milk\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        as("acme", "writer").body(pack.bytes()).put(files + pack.hash() + ".pack").then().statusCode(201);
        String stored = pack.digests().get(0);
        var info = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode().put("author", "a").put("description", "d");
        for (List<String> packs : List.of(List.<String>of(), List.of(pack.hash()))) {
            dev.meldtown.crdt.DeltaBlock orphan = dev.meldtown.crdt.CraftedFiles.delta(
                    List.of(new dev.meldtown.crdt.DeltaBlock.Change("o1", null, "ab".repeat(32))), info, packs, List.of());
            unchanged(422, () -> as("acme", "writer").body(orphan.bytes()).put(files + orphan.key()).then()
                    .body("type", equalTo("https://meldtown.dev/problems/missing-objects")));
        }
        // an object stored by an earlier pack of the replica (Melda does not re-stage it) is fine
        dev.meldtown.crdt.DeltaBlock reuse = dev.meldtown.crdt.CraftedFiles.delta(
                List.of(new dev.meldtown.crdt.DeltaBlock.Change("o1", null, stored)), info, List.of(), List.of());
        as("acme", "writer").body(reuse.bytes()).put(files + reuse.key()).then().statusCode(201);
        as("acme", "reader").get("/v1/tenants/acme/docs/objects/replicas/alice/document").then().statusCode(200);
        // the other cases compare bucket listings: wait until the stored block's outbox entry is gone (Kafka acknowledged)
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (snapshot().stream().anyMatch(k -> k.startsWith("outbox/")) && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        assertThat(snapshot()).noneMatch(k -> k.startsWith("outbox/"));
    }

    @Test
    void aMethodThatIsNotAllowedIs405WithAllowAndProblemJson() {
        // (a document has DELETE since issue 14: POST is the method it does not allow)
        unchanged(405, () -> as("acme", "writer").contentType("application/json").body("{}").post("/v1/tenants/acme/docs/todo").then()
                .header("Allow", org.hamcrest.Matchers.allOf(org.hamcrest.Matchers.containsString("GET"),
                        org.hamcrest.Matchers.containsString("PUT"), org.hamcrest.Matchers.containsString("DELETE"))));
        unchanged(405, () -> as("acme", "admin").get("/v1/tenants/acme").then().header("Allow", org.hamcrest.Matchers.containsString("DELETE")));
        unchanged(405, () -> as("acme", "writer").contentType("application/json").body("{}")
                .post("/v1/tenants/acme/docs/todo/replicas/alice/files/" + KEY).then().header("Allow", org.hamcrest.Matchers.containsString("PUT")));
        // issue 14: the quota is set (PUT) and the usage read (GET), nothing else
        unchanged(405, () -> as("acme", "operator").get("/v1/tenants/acme/quota").then().header("Allow", org.hamcrest.Matchers.containsString("PUT")));
        unchanged(405, () -> as("acme", "operator").delete("/v1/tenants/acme/usage").then().header("Allow", org.hamcrest.Matchers.containsString("GET")));
    }

    private static void assertProblem(RawHttp.Answer a, int status) {
        assertThat(a.status()).isEqualTo(status);
        assertThat(a.header("Content-Type")).startsWith("application/problem+json");
        assertThat(a.body()).contains("\"status\":" + status).contains("\"title\"").contains("\"detail\"");
    }

    /** Runs the request, checks status and problem+json, and that no object in the bucket appeared or changed. */
    private void unchanged(int status, Supplier<ValidatableResponse> request) {
        List<String> before = snapshot();
        String usageBefore = usage();
        request.get().statusCode(status).contentType("application/problem+json")
                .body("status", equalTo(status)).body("title", notNullValue()).body("detail", notNullValue());
        assertThat(snapshot()).isEqualTo(before);
        assertThat(usage()).as("the quota's usage (issue 14)").isEqualTo(usageBefore);
    }

    /** Every object of the bucket but the quotas' saved usage ({@link Fixtures#storedObjects}); {@link #usage} compares what the instance counts. */
    private List<String> snapshot() {
        return Fixtures.storedObjects(s3, s3Config.bucket(), "");
    }

    /** Tenant acme's usage as the instance counts it (saved and not yet saved). */
    private static String usage() {
        return as("acme", "reader").get("/v1/tenants/acme/usage").then().statusCode(200).extract().jsonPath().getString("bytes") + "/"
                + as("acme", "reader").get("/v1/tenants/acme/usage").then().statusCode(200).extract().jsonPath().getString("documents");
    }

    private static String sha(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
