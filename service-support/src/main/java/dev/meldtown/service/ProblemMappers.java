package dev.meldtown.service;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * Maps every error to problem+json, including the framework's own 404/405/415, JSON parse and type-mismatch failures,
 * and dependency outages (503 with {@code Retry-After}).
 */
public class ProblemMappers {
    private static final Logger LOG = Logger.getLogger(ProblemMappers.class);

    @ServerExceptionMapper
    public Response problem(ProblemException e) {
        if (e instanceof DependencyUnavailableException d) {
            LOG.warnf("%s: %s", d.getMessage(), d.getCause() == null ? "" : String.valueOf(d.getCause().getMessage()));
        }
        return Problem.of(e);
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e, io.vertx.core.http.HttpServerRequest request) {
        int status = e.getResponse().getStatus();
        if (status == 404 && e instanceof NotFoundException && request != null) {
            // The router gives up with 404 when a shorter resource path shares the prefix (/v1/tenants/{t}/docs beside
            // /v1/tenants/{t}/docs/{d}); when the path is a resource's and only the method is wrong, it is a 405.
            String methods = AllowedMethods.allow(request.path());
            if (methods != null && !java.util.Arrays.asList(methods.split(", ")).contains(request.method().name())) {
                return Response.fromResponse(Problem.response(405, "method-not-allowed", "Method Not Allowed",
                        "HTTP 405 Method Not Allowed")).header(HttpHeaders.ALLOW, methods).build();
            }
        }
        Response.Status.Family family = Response.Status.Family.familyOf(status);
        String reason = e.getResponse().getStatusInfo().getReasonPhrase();
        if (family == Response.Status.Family.SERVER_ERROR) {
            LOG.error("request failed", e);
        }
        Response response = Problem.response(status, slug(reason), reason, e.getMessage());
        // keep what the framework says about the resource, e.g. the Allow header of a 405
        Object allow = e.getResponse().getHeaders().getFirst(HttpHeaders.ALLOW);
        if (allow == null && !e.getResponse().getAllowedMethods().isEmpty()) {
            allow = e.getResponse().getAllowedMethods().stream().sorted().collect(Collectors.joining(", "));
        }
        if (allow == null && status == 405 && request != null) {
            allow = AllowedMethods.allow(request.path());
        }
        return allow == null ? response : Response.fromResponse(response).header(HttpHeaders.ALLOW, allow).build();
    }

    @ServerExceptionMapper({io.quarkus.security.AuthenticationFailedException.class, io.quarkus.security.UnauthorizedException.class})
    public Response unauthenticated(RuntimeException e) {
        return Problem.response(401, "unauthorized", "Unauthorized", "a valid bearer token is required");
    }

    @ServerExceptionMapper(io.quarkus.security.ForbiddenException.class)
    public Response forbidden(RuntimeException e) {
        return Problem.response(403, "forbidden", "Forbidden", e.getMessage() == null ? "not allowed" : e.getMessage());
    }

    @ServerExceptionMapper
    public Response json(JsonProcessingException e) {
        return Problem.response(400, "invalid-json", "Invalid JSON", e.getOriginalMessage());
    }

    /** A body of the wrong shape: {@code "intervalSeconds":"x"}, {@code "source":false}, an array for an object. */
    @ServerExceptionMapper(priority = jakarta.ws.rs.Priorities.USER - 100)
    public Response mismatched(MismatchedInputException e) {
        String field = e.getPath().stream()
                .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                .collect(Collectors.joining("."));
        String expected = e.getTargetType() == null ? "another type" : describe(e.getTargetType());
        String detail = (field.isEmpty() ? "the body" : "field '" + field + "'") + " must be " + expected;
        return Problem.response(400, "invalid-json", "Invalid JSON", detail);
    }

    @ServerExceptionMapper
    public Response sdk(SdkException e) {
        DependencyUnavailableException outage = Outages.unavailable(e);
        return outage != null ? problem(outage) : internal(e);
    }

    @ServerExceptionMapper
    public Response unexpected(RuntimeException e) {
        DependencyUnavailableException outage = Outages.unavailable(e);
        return outage != null ? problem(outage) : internal(e);
    }

    private static Response internal(RuntimeException e) {
        LOG.error("unexpected error", e);
        return Problem.response(500, "internal", "Internal Server Error", "an unexpected error occurred; see the service log");
    }

    private static String describe(Class<?> type) {
        if (type == String.class) {
            return "a string";
        }
        if (type == Integer.class || type == int.class || type == Long.class || type == long.class) {
            return "an integer";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "true or false";
        }
        if (java.util.Collection.class.isAssignableFrom(type) || type.isArray()) {
            return "an array";
        }
        if (Number.class.isAssignableFrom(type) || type.isPrimitive()) {
            return "a number";
        }
        return "a JSON object";
    }

    private static String slug(String reason) {
        return reason == null ? "error" : reason.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9]+", "-");
    }
}
