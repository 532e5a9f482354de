package dev.meldtown.service;

import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.LinkedHashMap;
import java.util.Map;

/** RFC 9457 problem details: every error a Meldtown API returns has this shape. */
public final class Problem {
    public static final String MEDIA_TYPE = "application/problem+json";
    public static final MediaType PROBLEM_JSON = MediaType.valueOf(MEDIA_TYPE);

    private Problem() {
    }

    /** A problem response; {@code type} is a short slug resolved under https://meldtown.dev/problems/. */
    public static Response response(int status, String type, String title, String detail, Map<String, Object> extra) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", "https://meldtown.dev/problems/" + type);
        body.put("title", title);
        body.put("status", status);
        body.put("detail", detail);
        if (extra != null) {
            body.putAll(extra);
        }
        return Response.status(status).type(PROBLEM_JSON).entity(body).build();
    }

    public static Response response(int status, String type, String title, String detail) {
        return response(status, type, title, detail, null);
    }

    /** The response of a typed problem; every 503 (an outage of S3, Kafka or a town, a full queue) says when to retry. */
    public static Response of(ProblemException e) {
        Response response = response(e.status(), e.type(), e.title(), e.getMessage(), e.extra());
        if (!e.headers().isEmpty()) {
            Response.ResponseBuilder b = Response.fromResponse(response);
            e.headers().forEach(b::header);
            response = b.build();
        }
        if (e.status() == 503) {
            return Response.fromResponse(response)
                    .header(jakarta.ws.rs.core.HttpHeaders.RETRY_AFTER, DependencyUnavailableException.RETRY_AFTER_SECONDS).build();
        }
        return response;
    }
}
