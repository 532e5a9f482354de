package dev.meldtown.acceptance;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.meldtown.testkit.Tokens;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Replays the bad-input corpus ({@code src/test/resources/bad-input/*.json}, format in acceptance/README.md) against a
 * real stack. For every case: the answer is the expected 4xx with an {@code application/problem+json} body, the whole
 * S3 bucket lists exactly as before (keys, ETags, sizes), and every service is still ready.
 */
class BadInputCorpusTest {
    static final Map<String, String> SERVICES = Map.of("block-store", "BLOCK_STORE_URL", "merge", "MERGE_SERVICE_URL",
            "sync", "SYNC_ORCHESTRATOR_URL");

    @TempDir
    static Path dir;
    static LocalStack stack;
    static S3Client s3;
    static Map<String, String> tokens;
    /** An existing {@code .delta} key of replica corpus/alice, for range cases ({@code ${delta}}). */
    static String delta;

    @BeforeAll
    static void up() throws Exception {
        stack = LocalStack.up(dir.resolve("stack"));
        assertThat(stack.upExitCode).as(stack.upOutput).isZero();
        String admin = stack.token("acme", "admin");
        tokens = Map.of("admin", admin, "reader", stack.token("acme", "reader"), "beta-admin", stack.token("beta", "admin"),
                "operator", stack.token("ops", "operator"));
        stack.registerTowns(admin);
        // stored data the corpus must leave alone: a document with one commit
        String docs = stack.get("BLOCK_STORE_URL") + "/v1/tenants/acme/docs/corpus";
        assertThat(LocalStack.send("PUT", docs, admin, Map.of("compression", "none", "conflictPolicy", "keep")).statusCode()).isBetween(200, 201);
        var commit = LocalStack.post(docs + "/replicas/alice/commits", admin,
                Map.of("document", Map.of("title", "milk", "items♭", List.of(Map.of("_id", "a1", "n", 1))), "author", "t", "description", "seed"));
        assertThat(commit.statusCode()).as(commit.body()).isEqualTo(201);
        delta = LocalStack.getJson(docs + "/replicas/alice/files?suffix=.delta", admin).get("keys").get(0).asText();
        s3 = S3Client.builder().endpointOverride(URI.create(stack.get("S3_ENDPOINT"))).region(Region.US_EAST_1).forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(stack.get("S3_ACCESS_KEY"), stack.get("S3_SECRET_KEY"))))
                .httpClient(UrlConnectionHttpClient.create()).build();
        // the commit is still settling: its outbox entry goes once Kafka acknowledged the event, merge-service melds it
        // into the hub replica and writes a checkpoint. Compare listings only once the bucket is quiet.
        List<String> last = List.of();
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (System.nanoTime() < deadline) {
            List<String> now = bucket();
            if (now.equals(last) && now.stream().noneMatch(k -> k.startsWith("outbox/"))
                    && now.stream().anyMatch(k -> k.contains("/replicas/hub/"))) {
                break;
            }
            last = now;
            Thread.sleep(3000);
        }
        assertThat(last).as("a quiet bucket holding the hub replica").anyMatch(k -> k.contains("/replicas/hub/")).noneMatch(k -> k.startsWith("outbox/"));
    }

    @AfterAll
    static void down() throws Exception {
        if (s3 != null) {
            s3.close();
        }
        if (stack != null) {
            stack.down();
        }
    }

    static Stream<Named<JsonNode>> corpus() throws IOException {
        Path root = LocalStack.ROOT.resolve("acceptance/src/test/resources/bad-input");
        List<Named<JsonNode>> cases = new ArrayList<>();
        try (Stream<Path> files = Files.list(root)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".json")).sorted().toList()) {
                for (JsonNode c : LocalStack.JSON.readTree(f.toFile())) {
                    cases.add(Named.of(f.getFileName() + ": " + c.get("name").asText(), c));
                }
            }
        }
        assertThat(cases).as("the corpus in " + root).hasSizeGreaterThan(40);
        return cases.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("corpus")
    void answersAClear4xxAndChangesNothing(JsonNode c) throws Exception {
        List<String> before = bucket();
        Answer answer = send(c);
        String what = c.get("name").asText() + " answered " + answer.status + " " + answer.headers + "\n" + answer.body;
        if (c.has("status")) {
            assertThat(answer.status).as(what).isEqualTo(c.get("status").asInt());
        }
        assertThat(answer.status).as(what).isBetween(400, 499);
        assertThat(answer.header("content-type")).as(what).startsWith("application/problem+json");
        JsonNode problem = LocalStack.JSON.readTree(answer.body);
        assertThat(problem.path("status").asInt()).as(what).isEqualTo(answer.status);
        assertThat(problem.path("title").asText()).as(what).isNotBlank();
        if (c.has("type")) {
            assertThat(problem.path("type").asText()).as(what).endsWith("/" + c.get("type").asText());
        }
        assertThat(bucket()).as("the bucket after " + c.get("name").asText()).isEqualTo(before);
        for (String service : SERVICES.values()) {
            assertThat(LocalStack.get(stack.get(service) + "/q/health/ready", null).statusCode()).as(service + " ready after " + what).isEqualTo(200);
        }
    }

    /** Every object of the bucket: key, ETag and size. */
    static List<String> bucket() {
        return s3.listObjectsV2Paginator(b -> b.bucket(stack.get("S3_BUCKET"))).contents().stream()
                .map(o -> o.key() + "@" + o.eTag() + "/" + o.size()).sorted().toList();
    }

    // ------------------------------------------------------------------ one case on the wire

    record Answer(int status, Map<String, String> headers, String body) {
        String header(String name) {
            return headers.getOrDefault(name, "");
        }
    }

    /**
     * Sends the case as raw HTTP/1.1 over a socket, byte for byte: Java's HTTP client would refuse or normalise some
     * of these requests (raw {@code ..} segments, control bytes, huge headers).
     */
    static Answer send(JsonNode c) throws Exception {
        String generated = c.has("generator") ? generate(c.get("generator").asText()) : "";
        byte[] body;
        if (c.has("bodyBase64")) {
            body = Base64.getDecoder().decode(c.get("bodyBase64").asText());
        } else if (c.has("body")) {
            body = expand(c.get("body").asText(), generated).getBytes(StandardCharsets.UTF_8);
        } else {
            body = null;
        }
        String path = expand(c.get("path").asText(), generated)
                .replace("${sha256}", body == null ? "" : HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body)));
        URI base = URI.create(stack.get(SERVICES.get(c.get("service").asText())));
        StringBuilder head = new StringBuilder(c.path("method").asText("GET")).append(' ').append(path).append(" HTTP/1.1\r\n")
                .append("Host: ").append(base.getHost()).append(':').append(base.getPort()).append("\r\n")
                .append("Connection: close\r\n");
        String auth = c.path("auth").asText("admin");
        String token = switch (auth) {
            case "none" -> null;
            case "foreign" -> Tokens.token("acme", "admin"); // signed with a key this stack does not trust
            case "tampered" -> tampered(tokens.get("admin"));
            default -> auth.startsWith("raw:") ? auth.substring(4) : tokens.get(auth);
        };
        if (token != null) {
            head.append("Authorization: Bearer ").append(token).append("\r\n");
        }
        boolean contentType = false;
        for (Iterator<Map.Entry<String, JsonNode>> it = c.path("headers").fields(); it.hasNext(); ) {
            var h = it.next();
            contentType |= h.getKey().equalsIgnoreCase("content-type");
            head.append(h.getKey()).append(": ").append(expand(h.getValue().asText(), generated)).append("\r\n");
        }
        if (body != null) {
            if (!contentType) {
                head.append("Content-Type: application/json\r\n");
            }
            head.append("Content-Length: ").append(body.length).append("\r\n");
        }
        head.append("\r\n");
        try (Socket socket = new Socket(base.getHost(), base.getPort())) {
            socket.setSoTimeout(60_000);
            socket.getOutputStream().write(head.toString().getBytes(StandardCharsets.UTF_8));
            if (body != null) {
                try {
                    socket.getOutputStream().write(body);
                } catch (IOException e) {
                    // the server may answer (413) and close before it read a huge body; its answer is what counts
                }
            }
            socket.getOutputStream().flush();
            return parse(socket.getInputStream());
        }
    }

    static Answer parse(InputStream in) throws IOException {
        byte[] all = in.readAllBytes();
        String text = new String(all, StandardCharsets.UTF_8);
        int end = text.indexOf("\r\n\r\n");
        assertThat(end).as("an HTTP answer, got: " + text).isPositive();
        String[] lines = text.substring(0, end).split("\r\n");
        int status = Integer.parseInt(lines[0].split(" ")[1]);
        Map<String, String> headers = new java.util.TreeMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            headers.put(lines[i].substring(0, colon).trim().toLowerCase(), lines[i].substring(colon + 1).trim());
        }
        String body = text.substring(end + 4);
        if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            StringBuilder out = new StringBuilder();
            String rest = body;
            while (true) {
                int nl = rest.indexOf("\r\n");
                int size = Integer.parseInt(rest.substring(0, nl).trim(), 16);
                if (size == 0) {
                    break;
                }
                out.append(rest, nl + 2, nl + 2 + size);
                rest = rest.substring(nl + 2 + size + 2);
            }
            body = out.toString();
        }
        return new Answer(status, headers, body);
    }

    static String expand(String text, String generated) {
        return text.replace("${gen}", generated).replace("${delta}", delta);
    }

    /** {@code nest N} (N nested arrays), {@code nest-object N} (N nested objects), {@code repeat N TEXT}. */
    static String generate(String spec) {
        String[] p = spec.split(" ", 3);
        int n = Integer.parseInt(p[1]);
        return switch (p[0]) {
            case "nest" -> "[".repeat(n) + "]".repeat(n);
            case "nest-object" -> "{\"a\":".repeat(n) + "1" + "}".repeat(n);
            case "repeat" -> p[2].repeat(n);
            default -> throw new IllegalArgumentException("unknown generator " + spec);
        };
    }

    /** The admin token with one character of its signature changed. */
    static String tampered(String token) {
        char last = token.charAt(token.length() - 2);
        return token.substring(0, token.length() - 2) + (last == 'A' ? 'B' : 'A') + token.charAt(token.length() - 1);
    }
}
