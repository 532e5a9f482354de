package dev.meldtown.service;

import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.Locale;
import java.util.Map;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The request limits every service enforces before any work starts, answered with problem+json (the HTTP layer's
 * own 413/414/431 have empty bodies, so the service's limits sit below Vert.x's):
 * <ul>
 *   <li>request line (path and query) longer than {@code meldtown.http.max-uri-length} (8,192): 414;</li>
 *   <li>request headers larger than {@code meldtown.http.max-header-bytes} (16,384, names and values): 431;</li>
 *   <li>a declared {@code Content-Length} above {@code meldtown.http.max-body-bytes} (16 MiB), or above
 *       {@code meldtown.http.max-json-bytes} (4 MiB) for a JSON body: 413;</li>
 *   <li>a path with a {@code .} or {@code ..} segment (also percent-encoded): 400 {@code invalid-name};</li>
 *   <li>and a body that exceeds {@code quarkus.http.limits.max-body-size} while streaming (no Content-Length): 413.</li>
 * </ul>
 * Vert.x answers without a body only above its own limits ({@code quarkus.http.limits.max-initial-line-length} and
 * {@code max-header-size}), which a service raises above these.
 */
@ApplicationScoped
public class HttpLimits {
    @ConfigProperty(name = "meldtown.http.max-uri-length", defaultValue = "8192")
    int maxUriLength;

    @ConfigProperty(name = "meldtown.http.max-header-bytes", defaultValue = "16384")
    int maxHeaderBytes;

    @ConfigProperty(name = "meldtown.http.max-body-bytes", defaultValue = "16777216")
    long maxBodyBytes;

    @ConfigProperty(name = "meldtown.http.max-json-bytes", defaultValue = "4194304")
    long maxJsonBytes;

    void install(@Observes Router router) {
        router.route().order(Integer.MIN_VALUE + 1).handler(this::check); // right after HttpTracing's route
        router.route().order(Integer.MIN_VALUE).failureHandler(HttpLimits::failure);
    }

    private void check(RoutingContext ctx) {
        HttpServerRequest request = ctx.request();
        String uri = request.uri();
        if (uri.length() > maxUriLength) {
            problem(ctx, 414, "uri-too-long", "URI Too Long", "the request line may hold at most " + maxUriLength + " characters");
            return;
        }
        int headerBytes = 0;
        for (Map.Entry<String, String> h : request.headers()) {
            headerBytes += h.getKey().length() + h.getValue().length() + 4;
        }
        if (headerBytes > maxHeaderBytes) {
            problem(ctx, 431, "headers-too-large", "Request Header Fields Too Large",
                    "the request headers may hold at most " + maxHeaderBytes + " bytes");
            return;
        }
        if (hasDotSegment(uri)) {
            problem(ctx, 400, "invalid-name", "Invalid name", "a path may not hold '.' or '..' segments");
            return;
        }
        String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
        if (length != null) {
            long declared;
            try {
                declared = Long.parseLong(length.trim());
            } catch (NumberFormatException e) {
                problem(ctx, 400, "invalid-request", "Bad Request", "Content-Length is not a number");
                return;
            }
            String type = request.getHeader(HttpHeaders.CONTENT_TYPE);
            boolean json = type != null && type.toLowerCase(Locale.ROOT).contains("json");
            long limit = json ? Math.min(maxJsonBytes, maxBodyBytes) : maxBodyBytes;
            if (declared > limit) {
                problem(ctx, 413, "too-large", "Payload Too Large", (json ? "a JSON body" : "a request body") + " may hold at most " + limit + " bytes");
                return;
            }
        }
        ctx.next();
    }

    /**
     * True when a segment of the URI's path is {@code .} or {@code ..}, also percent-encoded ({@code %2e}, any case).
     * Only a segment of at most 6 characters can be one ({@code %2e%2e}), so no other segment is copied: this runs
     * before every request.
     */
    static boolean hasDotSegment(String uri) {
        int query = uri.indexOf('?');
        int end = query >= 0 ? query : uri.length();
        int start = 0;
        while (start <= end) {
            int slash = uri.indexOf('/', start);
            int stop = slash < 0 || slash > end ? end : slash;
            if (stop - start <= 6 && stop > start) {
                String s = uri.substring(start, stop).toLowerCase(Locale.ROOT).replace("%2e", ".");
                if (s.equals(".") || s.equals("..")) {
                    return true;
                }
            }
            start = stop + 1;
        }
        return false;
    }

    /** The HTTP layer's own refusals (e.g. 413 from {@code quarkus.http.limits.max-body-size}) get a problem body too. */
    private static void failure(RoutingContext ctx) {
        int status = ctx.statusCode();
        if (ctx.response().headWritten() || (status != 413 && status != 414 && status != 431)) {
            ctx.next();
            return;
        }
        problem(ctx, status, status == 413 ? "too-large" : status == 414 ? "uri-too-long" : "headers-too-large",
                status == 413 ? "Payload Too Large" : status == 414 ? "URI Too Long" : "Request Header Fields Too Large",
                "the request exceeds a limit of this service");
    }

    private static void problem(RoutingContext ctx, int status, String type, String title, String detail) {
        String body = new JsonObject().put("type", "https://meldtown.dev/problems/" + type).put("title", title)
                .put("status", status).put("detail", detail).encode();
        ctx.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, Problem.MEDIA_TYPE);
        if (status == 413 || status == 414 || status == 431) {
            // the rest of the request is not read: the connection cannot be reused
            ctx.response().putHeader(HttpHeaders.CONNECTION, "close");
        }
        ctx.response().end(body);
    }
}
