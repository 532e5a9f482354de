package dev.meldtown.blockstore;

import static dev.meldtown.blockstore.Fixtures.as;
import static org.assertj.core.api.Assertions.assertThat;

import dev.meldtown.crdt.MemoryStorage;
import dev.meldtown.events.EventCodec;
import dev.meldtown.events.TraceContext;
import dev.meldtown.events.Topics;
import dev.meldtown.testkit.EventsProbe;
import dev.meldtown.testkit.quarkus.KafkaTestResource;
import dev.meldtown.testkit.quarkus.S3TestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/**
 * Issue 15: the trace of an upload travels on with its {@code block.committed} record, in the W3C Kafka headers and
 * in the CloudEvents {@code traceparent} extension, even with export off (no OTLP endpoint in tests); and tracing
 * adds nothing to the HTTP response.
 */
@QuarkusTest
@QuarkusTestResource(value = KafkaTestResource.class, restrictToAnnotatedClass = true)
@QuarkusTestResource(value = S3TestResource.class, restrictToAnnotatedClass = true)
class TraceContextTest {
    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    @Test
    void theUploadsTraceRidesInTheRecordHeadersAndTheCloudEventsExtension() throws Exception {
        String doc = Fixtures.uniqueDoc();
        MemoryStorage local = Fixtures.localReplica("{\"title\":\"traced\"}");
        String block = local.list(".delta").get(0);
        String traceId = hex(16);
        String callerSpan = hex(8);
        Response last = null;
        for (String key : Fixtures.uploadOrder(local)) {
            last = as("acme", "writer").header("traceparent", "00-" + traceId + "-" + callerSpan + "-01").body(local.read(key))
                    .put("/v1/tenants/acme/docs/{doc}/replicas/alice/files/{key}", doc, key);
            assertThat(last.statusCode()).isEqualTo(201);
        }
        // the response is what it always was: no trace headers added
        assertThat(last.headers().hasHeaderWithName("traceparent")).isFalse();
        assertThat(last.headers().hasHeaderWithName("tracestate")).isFalse();

        var events = EventsProbe.await(bootstrap, Topics.BLOCKS, s -> s.data() != null && block.equals(s.data().path("block").asText()),
                1, Duration.ofSeconds(60));
        assertThat(events).hasSize(1);
        var seen = events.get(0);
        TraceContext header = new TraceContext(seen.headers().get("traceparent"), seen.headers().get("tracestate"));
        assertThat(header.traceId()).as("the record's traceparent header continues the caller's trace").isEqualTo(traceId);
        assertThat(header.parentId()).as("the record's parent is the producer's span, not the caller's").isNotEqualTo(callerSpan);
        TraceContext extension = EventCodec.trace(seen.event()).orElseThrow(() -> new AssertionError("no traceparent extension"));
        assertThat(extension.traceId()).isEqualTo(traceId);
        assertThat(extension.parentId()).isNotEqualTo(callerSpan); // the upload's server span, inside the service
        assertThat(seen.data().path("block").asText()).isEqualTo(block); // the data is untouched

        // a request without a traceparent starts a trace of its own
        MemoryStorage other = Fixtures.localReplica("{\"title\":\"untraced caller\"}");
        String otherBlock = other.list(".delta").get(0);
        for (String key : Fixtures.uploadOrder(other)) {
            as("acme", "writer").body(other.read(key)).put("/v1/tenants/acme/docs/{doc}/replicas/bob/files/{key}", doc, key)
                    .then().statusCode(201);
        }
        var second = EventsProbe.await(bootstrap, Topics.BLOCKS, s -> s.data() != null && otherBlock.equals(s.data().path("block").asText()),
                1, Duration.ofSeconds(60));
        assertThat(second).hasSize(1);
        String secondTrace = new TraceContext(second.get(0).headers().get("traceparent"), null).traceId();
        assertThat(secondTrace).isNotEqualTo(traceId).isNotEqualTo("0".repeat(32));
    }

    private static String hex(int bytes) {
        byte[] b = new byte[bytes];
        ThreadLocalRandom.current().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }
}
