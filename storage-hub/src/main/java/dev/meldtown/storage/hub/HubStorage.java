package dev.meldtown.storage.hub;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.meldtown.crdt.InvalidUrlException;
import dev.meldtown.crdt.MissingKeyException;
import dev.meldtown.crdt.ReplicaStorage;
import dev.meldtown.crdt.StorageException;
import dev.meldtown.model.InvalidNameException;
import dev.meldtown.model.ReplicaRef;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A replica on the hub: {@code http(s)://host/v1/tenants/T/docs/D/replicas/R}. Files go through the
 * block-store-service's file endpoints, which verify every hash and keep files write-once; the bearer token
 * comes from {@code MELDTOWN_TOKEN}.
 */
public final class HubStorage implements ReplicaStorage {
    private static final Pattern REPLICA_URL = Pattern.compile("/v1/tenants/([^/]+)/docs/([^/]+)/replicas/([^/]+)/?");
    private static final Set<String> LISTABLE = Set.of("", ".delta", ".pack", ".index");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http;
    private final String base;
    private final String token;
    private final ReplicaRef replica;

    public HubStorage(URI replicaUrl, String token) {
        this.replica = replicaOf(replicaUrl);
        String url = replicaUrl.toString();
        this.base = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
        this.token = token;
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
    }

    /** The replica a URL names: {@code …/v1/tenants/T/docs/D/replicas/R}, each a valid {@link dev.meldtown.model.Name}. */
    private static ReplicaRef replicaOf(URI url) {
        Matcher m = url.getPath() == null ? null : REPLICA_URL.matcher(url.getPath());
        if (m == null || !m.matches()) {
            throw new InvalidUrlException("a hub replica URL looks like http(s)://host/v1/tenants/T/docs/D/replicas/R, got " + url);
        }
        try {
            return ReplicaRef.of(m.group(1), m.group(2), m.group(3));
        } catch (InvalidNameException e) {
            throw new InvalidUrlException("a hub replica URL looks like http(s)://host/v1/tenants/T/docs/D/replicas/R ("
                    + e.getMessage() + "), got " + url);
        }
    }

    /** The replica this storage reads and writes. */
    public ReplicaRef replica() {
        return replica;
    }

    @Override
    public byte[] read(String key) {
        HttpResponse<byte[]> r = send(request(key).GET(), key);
        if (r.statusCode() == 404) {
            throw new MissingKeyException(key);
        }
        expect(r, key, 200);
        return r.body();
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
            long size = size(key).orElseThrow(() -> new MissingKeyException(key));
            if (offset > size) {
                throw new StorageException("range " + offset + "+0 outside " + key + " (" + size + " bytes)");
            }
            return new byte[0];
        }
        HttpResponse<byte[]> r = send(request(key).header("Range", "bytes=" + offset + "-" + (offset + length - 1)).GET(), key);
        if (r.statusCode() == 404) {
            throw new MissingKeyException(key);
        }
        if (r.statusCode() == 416) {
            throw new StorageException("range " + offset + "+" + length + " outside " + key);
        }
        expect(r, key, 206);
        if (r.body().length != length) {
            throw new StorageException("range " + offset + "+" + length + " outside " + key);
        }
        return r.body();
    }

    @Override
    public boolean write(String key, byte[] data) {
        HttpResponse<byte[]> r = send(request(key).header("Content-Type", "application/octet-stream")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(data)), key);
        if (r.statusCode() == 201) {
            return true;
        }
        if (r.statusCode() == 200) {
            return false;
        }
        if (r.statusCode() == 409 && problemType(r).endsWith("/different-content")) {
            return false; // write-once: the first content stays
        }
        throw failure(r, "write", key);
    }

    @Override
    public List<String> list(String suffix) {
        if (!LISTABLE.contains(suffix)) {
            return List.of();
        }
        List<String> keys = new ArrayList<>();
        String startAfter = null;
        do {
            String url = base + "/files?limit=1000&suffix=" + URLEncoder.encode(suffix, StandardCharsets.UTF_8)
                    + (startAfter == null ? "" : "&startAfter=" + URLEncoder.encode(startAfter, StandardCharsets.UTF_8));
            HttpResponse<byte[]> r = send(authorized(HttpRequest.newBuilder(URI.create(url))).GET(), "list");
            expect(r, "list", 200);
            JsonNode page = parse(r.body());
            for (JsonNode k : page.path("keys")) {
                String key = k.asText();
                keys.add(key.substring(0, key.length() - suffix.length()));
            }
            startAfter = page.path("next").isTextual() ? page.get("next").asText() : null;
        } while (startAfter != null);
        keys.sort(null);
        return keys;
    }

    @Override
    public boolean exists(String key) {
        HttpResponse<byte[]> r = send(request(key).method("HEAD", HttpRequest.BodyPublishers.noBody()), key);
        if (r.statusCode() == 404) {
            return false;
        }
        expect(r, key, 200);
        return true;
    }

    /** HEAD of the file: its Content-Length. */
    @Override
    public OptionalLong size(String key) {
        HttpResponse<byte[]> r = send(request(key).method("HEAD", HttpRequest.BodyPublishers.noBody()), key);
        if (r.statusCode() == 404) {
            return OptionalLong.empty();
        }
        expect(r, key, 200);
        return OptionalLong.of(r.headers().firstValueAsLong("Content-Length").orElseThrow(() -> new StorageException("no Content-Length for " + key)));
    }

    /** One page of the hub's own paginated listing ({@code GET …/files?suffix&startAfter&limit}). */
    @Override
    public List<String> listPage(String suffix, String startAfter, int limit) {
        if (!LISTABLE.contains(suffix) || limit <= 0) {
            return List.of();
        }
        List<String> keys = new ArrayList<>();
        String after = startAfter;
        while (keys.size() < limit) {
            int want = Math.min(1000, limit - keys.size());
            String url = base + "/files?limit=" + want + "&suffix=" + URLEncoder.encode(suffix, StandardCharsets.UTF_8)
                    + (after == null ? "" : "&startAfter=" + URLEncoder.encode(after, StandardCharsets.UTF_8));
            HttpResponse<byte[]> r = send(authorized(HttpRequest.newBuilder(URI.create(url))).GET(), "list");
            expect(r, "list", 200);
            JsonNode page = parse(r.body());
            for (JsonNode k : page.path("keys")) {
                keys.add(k.asText());
            }
            if (!page.path("next").isTextual()) {
                break;
            }
            after = page.get("next").asText();
        }
        return keys;
    }

    private HttpRequest.Builder request(String key) {
        ReplicaStorage.checkKey(key);
        return authorized(HttpRequest.newBuilder(URI.create(base + "/files/" + key)));
    }

    private HttpRequest.Builder authorized(HttpRequest.Builder builder) {
        builder.timeout(Duration.ofMinutes(2));
        if (token != null && !token.isBlank()) {
            builder.header("Authorization", "Bearer " + token);
        }
        return builder;
    }

    private HttpResponse<byte[]> send(HttpRequest.Builder builder, String what) {
        try {
            return http.send(builder.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new StorageException("hub " + base + " unreachable (" + what + "): " + reason(e), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StorageException("interrupted talking to " + base, e);
        }
    }

    /**
     * A readable reason for a failed connection: the JDK's HTTP client often throws a ConnectException without a
     * message (an unknown host read "unreachable (list): null").
     */
    String reason(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.nio.channels.UnresolvedAddressException || t instanceof java.net.UnknownHostException) {
                return "unknown host " + URI.create(base).getHost();
            }
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.net.http.HttpTimeoutException || t instanceof java.net.http.HttpConnectTimeoutException) {
                return "timed out";
            }
            if (t instanceof java.net.ConnectException) {
                return "connection refused";
            }
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null && !t.getMessage().isBlank()) {
                return t.getMessage();
            }
        }
        return e.getClass().getSimpleName();
    }

    private void expect(HttpResponse<byte[]> r, String key, int status) {
        if (r.statusCode() != status) {
            throw failure(r, "request", key);
        }
    }

    private StorageException failure(HttpResponse<byte[]> r, String op, String key) {
        String detail = parse(r.body()).path("detail").asText("");
        String hint = r.statusCode() == 401 ? " (set MELDTOWN_TOKEN to a valid bearer token)" : "";
        return new StorageException("hub " + op + " of " + key + " failed with HTTP " + r.statusCode()
                + (detail.isEmpty() ? "" : ": " + detail) + hint);
    }

    private static String problemType(HttpResponse<byte[]> r) {
        return parse(r.body()).path("type").asText("");
    }

    private static JsonNode parse(byte[] body) {
        try {
            return body == null || body.length == 0 ? JSON.createObjectNode() : JSON.readTree(body);
        } catch (IOException e) {
            return JSON.createObjectNode();
        }
    }
}
