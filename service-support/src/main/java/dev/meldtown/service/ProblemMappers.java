package dev.meldtown.service;

import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** Maps every error to problem+json, including the framework's own 404/405/415 and JSON parse failures. */
public class ProblemMappers {
    private static final Logger LOG = Logger.getLogger(ProblemMappers.class);

    @ServerExceptionMapper
    public Response problem(ProblemException e) {
        return Problem.response(e.status(), e.type(), e.title(), e.getMessage(), e.extra());
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e) {
        int status = e.getResponse().getStatus();
        Response.Status.Family family = Response.Status.Family.familyOf(status);
        String reason = e.getResponse().getStatusInfo().getReasonPhrase();
        if (family == Response.Status.Family.SERVER_ERROR) {
            LOG.error("request failed", e);
        }
        return Problem.response(status, slug(reason), reason, e.getMessage());
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
    public Response json(com.fasterxml.jackson.core.JsonProcessingException e) {
        return Problem.response(400, "invalid-json", "Invalid JSON", e.getOriginalMessage());
    }

    @ServerExceptionMapper
    public Response unexpected(RuntimeException e) {
        LOG.error("unexpected error", e);
        return Problem.response(500, "internal", "Internal Server Error", "an unexpected error occurred; see the service log");
    }

    private static String slug(String reason) {
        return reason == null ? "error" : reason.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9]+", "-");
    }
}
