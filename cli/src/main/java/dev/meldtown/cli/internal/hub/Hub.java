package dev.meldtown.cli.internal.hub;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.meldtown.cli.internal.CliError;
import dev.meldtown.cli.internal.Verb;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;

/**
 * The hub's HTTP APIs as the CLI sees them: the block-store at {@code MELDTOWN_HUB}, the sync-orchestrator at
 * {@code MELDTOWN_SYNC}, a bearer token from {@code MELDTOWN_TOKEN}, and the tenant from the token's {@code tenant}
 * claim unless one is given. Every failure is a {@link CliError} with one line naming the service, its address and
 * the cause (the HTTP status with the problem's detail, or why the connection failed).
 */
public final class Hub {
    public static final String ENV_HUB = "MELDTOWN_HUB";
    public static final String ENV_SYNC = "MELDTOWN_SYNC";
    public static final String ENV_TOKEN = "MELDTOWN_TOKEN";
    static final ObjectMapper JSON = new ObjectMapper();

    /** Which service a call goes to. */
    public enum Service {
        BLOCK_STORE("block-store", ENV_HUB), SYNC("sync-orchestrator", ENV_SYNC);

        final String label;
        final String env;

        Service(String label, String env) {
            this.label = label;
            this.env = env;
        }
    }

    private final String prefix;
    private final Map<String, String> env;
    private final String token;
    private final String tenant;
    private final HttpClient http;
    private final Duration timeout;

    Hub(String prefix, Map<String, String> env, String tenantOption, Duration timeout) {
        this.prefix = prefix;
        this.env = env;
        this.timeout = timeout;
        String t = env.get(ENV_TOKEN);
        if (t == null || t.isBlank()) {
            throw new CliError(Verb.EXIT_USAGE, prefix + ": no token: set " + ENV_TOKEN + " (for the local stack: source .stack/env)");
        }
        this.token = t.strip();
        this.tenant = tenantOption != null ? tenantOption : tenantClaim(prefix, token);
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    }

    public String tenant() {
        return tenant;
    }

    /** The {@code tenant} claim of a JWT (its payload is read, not verified: the services verify it). */
    static String tenantClaim(String prefix, String jwt) {
        String[] parts = jwt.split("\\.");
        if (parts.length != 3) {
            throw new CliError(Verb.EXIT_USAGE, prefix + ": " + ENV_TOKEN + " is not a JWT (three dot-separated parts); give the tenant with --tenant");
        }
        JsonNode claims;
        try {
            claims = JSON.readTree(Base64.getUrlDecoder().decode(parts[1]));
        } catch (IOException | IllegalArgumentException e) {
            throw new CliError(Verb.EXIT_USAGE, prefix + ": " + ENV_TOKEN + "'s payload is not base64url JSON; give the tenant with --tenant");
        }
        JsonNode t = claims == null ? null : claims.get("tenant");
        if (t == null || !t.isTextual() || t.asText().isEmpty()) {
            throw new CliError(Verb.EXIT_USAGE, prefix + ": " + ENV_TOKEN + " has no tenant claim; give the tenant with --tenant");
        }
        return t.asText();
    }

    /** The service's address as configured (no trailing slash). */
    public String address(Service s) {
        return base(s);
    }

    private String base(Service s) {
        String b = env.get(s.env);
        if (b == null || b.isBlank()) {
            throw new CliError(Verb.EXIT_USAGE, prefix + ": no " + s.label + " address: set " + s.env
                    + " (e.g. http://127.0.0.1:" + (s == Service.SYNC ? 8083 : 8081) + "; for the local stack: source .stack/env)");
        }
        b = b.strip();
        while (b.endsWith("/")) {
            b = b.substring(0, b.length() - 1);
        }
        if (!b.startsWith("http://") && !b.startsWith("https://")) {
            throw new CliError(Verb.EXIT_USAGE, prefix + ": " + s.env + " must be an http:// or https:// URL, not " + b);
        }
        return b;
    }

    /** GET {@code /v1/tenants/{tenant}{path}}. */
    public JsonNode get(Service s, String path) {
        return call(s, "GET", path, null);
    }

    /** POST {@code /v1/tenants/{tenant}{path}} with a JSON body (or none). */
    public JsonNode post(Service s, String path, Object body) {
        return call(s, "POST", path, body);
    }

    private JsonNode call(Service s, String method, String path, Object body) {
        String base = base(s);
        URI uri;
        try {
            uri = URI.create(base + "/v1/tenants/" + tenant + path);
        } catch (IllegalArgumentException e) {
            throw new CliError(Verb.EXIT_USAGE, prefix + ": " + s.env + " is not a valid URL: " + base);
        }
        HttpRequest.Builder rb = HttpRequest.newBuilder(uri).timeout(timeout)
                .header("Authorization", "Bearer " + token).header("Accept", "application/json, application/problem+json");
        try {
            if (body == null) {
                rb.method(method, HttpRequest.BodyPublishers.noBody());
            } else {
                rb.header("Content-Type", "application/json")
                        .method(method, HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)));
            }
        } catch (IOException e) {
            throw new CliError(Verb.EXIT_ERROR, prefix + ": cannot encode the request: " + e.getMessage());
        }
        String where = s.label + " at " + base;
        HttpResponse<byte[]> resp;
        try {
            resp = http.send(rb.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliError(Verb.EXIT_ERROR, prefix + ": interrupted");
        } catch (IOException e) {
            throw new CliError(Verb.EXIT_ERROR, prefix + ": " + where + " unreachable: " + reason(e, uri), e);
        }
        String text = new String(resp.body(), StandardCharsets.UTF_8);
        if (resp.statusCode() >= 400) {
            String category = category(text);
            throw new CliError(category == null ? Verb.EXIT_ERROR : HubVerb.EXIT_SYNC_FAILED,
                    prefix + ": " + where + " answered " + resp.statusCode() + problem(text)
                    + (category == null ? "" : " [category " + category + "]"));
        }
        if (text.isEmpty()) {
            return JSON.nullNode();
        }
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new CliError(Verb.EXIT_ERROR, prefix + ": " + where + " answered " + resp.statusCode() + " with a body that is not JSON");
        }
    }

    /** {@code : title: detail} of a problem+json body, or its first 200 characters. */
    static String problem(String body) {
        try {
            JsonNode p = JSON.readTree(body);
            if (p != null && p.isObject()) {
                String title = p.path("title").asText("");
                String detail = p.path("detail").asText("");
                String type = p.path("type").asText("");
                String s = (title.isEmpty() ? "" : ": " + title) + (detail.isEmpty() || detail.equals(title) ? "" : ": " + detail);
                if (type.contains("#") || type.contains("/")) {
                    String kind = type.substring(Math.max(type.lastIndexOf('/'), type.lastIndexOf('#')) + 1);
                    if (!kind.isEmpty() && !s.toLowerCase(java.util.Locale.ROOT).contains(kind.replace('-', ' '))) {
                        s += " (" + kind + ")";
                    }
                }
                return s;
            }
        } catch (IOException ignored) {
            // not JSON: fall through
        }
        String b = Verb.oneLine(body);
        return b.isEmpty() ? "" : ": " + (b.length() > 200 ? b.substring(0, 199) + "…" : b);
    }

    /** A sync failure's {@code category} member in a problem body (e.g. 503 town-unreachable: transport). */
    static String category(String body) {
        try {
            JsonNode p = JSON.readTree(body);
            return p != null && p.path("category").isTextual() ? p.get("category").asText() : null;
        } catch (IOException e) {
            return null;
        }
    }

    static String reason(IOException e, URI uri) {
        for (Throwable t = e; t != null; t = t.getCause()) { // the JDK client wraps an unresolved host in a ConnectException
            if (t instanceof UnknownHostException || t instanceof java.nio.channels.UnresolvedAddressException) {
                return "unknown host " + uri.getHost();
            }
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof HttpConnectTimeoutException) {
                return "connection to " + uri.getHost() + ":" + port(uri) + " timed out";
            }
            if (t instanceof ConnectException) {
                return "connection refused by " + uri.getHost() + ":" + port(uri);
            }
            if (t instanceof HttpTimeoutException) {
                return "no answer from " + uri.getHost() + ":" + port(uri) + " within the timeout";
            }
        }
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }

    private static int port(URI uri) {
        return uri.getPort() >= 0 ? uri.getPort() : "https".equals(uri.getScheme()) ? 443 : 80;
    }
}
