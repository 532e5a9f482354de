package dev.meldtown.blockstore;

import static dev.meldtown.blockstore.Fixtures.as;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import dev.meldtown.crdt.DeltaBlock;
import dev.meldtown.crdt.DocumentLimits;
import dev.meldtown.crdt.MemoryStorage;
import dev.meldtown.crdt.Replica;
import dev.meldtown.service.S3Config;
import dev.meldtown.testkit.quarkus.KafkaTestResource;
import dev.meldtown.testkit.quarkus.S3TestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Issue 10 items 2, 9 and 11 end to end through the service: the crdt library's {@link DocumentLimits} and its
 * refusals of lossy input answer 4xx problem+json before anything is stored, and the document stays readable.
 */
@QuarkusTest
@QuarkusTestResource(value = KafkaTestResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = S3TestResource.class, restrictToAnnotatedClass = true)
class DocumentShapeTest {
    static final String COMMITS = "/v1/tenants/acme/docs/{doc}/replicas/{replica}/commits";
    static final String DOCUMENT = "/v1/tenants/acme/docs/{doc}/replicas/{replica}/document";
    static final String FILES = "/v1/tenants/acme/docs/{doc}/replicas/{replica}/files/{key}";

    @Inject
    S3Client s3;

    @Inject
    S3Config s3Config;

    private static String nested(int depth) {
        return "{\"k\":".repeat(depth - 1) + "{}" + "}".repeat(depth - 1);
    }

    /** Every object under {@code tenants/} but the quotas' saved usage ({@link Fixtures#storedObjects}). */
    private List<String> bucket() {
        return Fixtures.storedObjects(s3, s3Config.bucket(), "tenants/");
    }

    @Test
    void a200DeepCommitIs400AndTheDocumentStaysReadable() {
        String doc = Fixtures.uniqueDoc();
        as("acme", "writer").contentType("application/json").body("{\"document\":{\"a\":1}}").post(COMMITS, doc, "alice")
                .then().statusCode(201);
        List<String> before = bucket();
        for (int depth : new int[] {200, DocumentLimits.DEFAULT.maxDepth() + 1}) {
            as("acme", "writer").contentType("application/json").body("{\"document\":" + nested(depth) + "}").post(COMMITS, doc, "alice")
                    .then().statusCode(400).contentType("application/problem+json")
                    .body("status", equalTo(400)).body("type", containsString("document-limit"))
                    .body("detail", containsString("nested deeper than 126 levels"));
        }
        assertThat(bucket()).isEqualTo(before);
        as("acme", "reader").get(DOCUMENT, doc, "alice").then().statusCode(200).body("a", equalTo(1));
        // exactly at the limit: accepted, stored, and read back by the service's own reader
        as("acme", "writer").contentType("application/json").body("{\"document\":" + nested(DocumentLimits.DEFAULT.maxDepth()) + "}")
                .post(COMMITS, doc, "alice").then().statusCode(201);
        String read = as("acme", "reader").get(DOCUMENT, doc, "alice").then().statusCode(200).extract().asString();
        assertThat(read.chars().filter(c -> c == '{').count()).isEqualTo(DocumentLimits.DEFAULT.maxDepth());
    }

    @Test
    void inputsMeldaWouldLoseAre422NamingThePath() {
        String doc = Fixtures.uniqueDoc();
        as("acme", "writer").contentType("application/json").body("{\"document\":{\"a\":1}}").post(COMMITS, doc, "alice")
                .then().statusCode(201);
        List<String> before = bucket();
        for (String[] c : new String[][] {
            {"{\"items\u266D\":[1,\"x\",true]}", "at index 0 of the \u266D array at \u221A/items\u266D"},
            {"{\"o\u266D\":{\"_id\":\"!a\",\"v\":1}}", "starts with !"},
            {"{\"items\u266D\":[{\"_id\":\"\u221A\",\"x\":1}]}", "reserved for the document root"},
        }) {
            as("acme", "writer").contentType("application/json").body(("{\"document\":" + c[0] + "}").getBytes(StandardCharsets.UTF_8))
                    .post(COMMITS, doc, "alice").then().statusCode(422).contentType("application/problem+json")
                    .body("type", containsString("invalid-document")).body("detail", containsString(c[1]));
        }
        assertThat(bucket()).isEqualTo(before);
        as("acme", "reader").get(DOCUMENT, doc, "alice").then().statusCode(200).body("a", equalTo(1));
    }

    @Test
    void aPackThatHoldsNoJsonIsRefusedOnUpload() {
        String doc = Fixtures.uniqueDoc();
        List<String> before = bucket();
        for (String pack : List.of("hello, no JSON here", "[]", "[1,2]", "{\"a\":1}", "[{\"a\":1}] trailing", "[{\"a\":1e999}]")) {
            byte[] b = pack.getBytes(StandardCharsets.UTF_8);
            as("acme", "writer").body(b).put(FILES, doc, "alice", sha(b) + ".pack").then().statusCode(422)
                    .contentType("application/problem+json").body("type", containsString("invalid-pack"))
                    .body("detail", containsString("pack " + sha(b)));
        }
        assertThat(bucket()).isEqualTo(before);
    }

    /**
     * Item 9's decision: a delta whose parent is missing is accepted (a meld through the hub uploads deltas in name
     * order, so a child may arrive before its parent, as in Melda); the document shows the state without it
     * until the parent arrives, then with it.
     */
    @Test
    void aDeltaWhoseParentIsMissingIsAcceptedAndAppliesWhenTheParentArrives() {
        String doc = Fixtures.uniqueDoc();
        MemoryStorage local = new MemoryStorage();
        Replica r = Replica.open(local);
        r.update("{\"a\":1}");
        String first = r.commit("t", "1").orElseThrow();
        r.update("{\"a\":2}");
        String second = r.commit("t", "2").orElseThrow();
        r.update("{\"a\":3}");
        String third = r.commit("t", "3").orElseThrow();
        for (String block : List.of(first, third)) { // the middle block is missing
            upload(local, doc, block);
        }
        as("acme", "reader").get(DOCUMENT, doc, "alice").then().statusCode(200).body("a", equalTo(1));
        upload(local, doc, second);
        as("acme", "reader").get(DOCUMENT, doc, "alice").then().statusCode(200).body("a", equalTo(3));
    }

    private static void upload(MemoryStorage local, String doc, String block) {
        DeltaBlock b = DeltaBlock.parse(block, local.read(block + ".delta"));
        for (String p : b.packs()) {
            as("acme", "writer").body(local.read(p + ".pack")).put(FILES, doc, "alice", p + ".pack").then().statusCode(201);
        }
        as("acme", "writer").body(local.read(block + ".delta")).put(FILES, doc, "alice", block + ".delta").then().statusCode(201);
    }

    private static String sha(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
