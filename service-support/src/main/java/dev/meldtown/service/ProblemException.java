package dev.meldtown.service;

import java.util.Map;

/** Thrown by resources and services; {@link ProblemMappers} turns it into application/problem+json. */
public class ProblemException extends RuntimeException {
    private final int status;
    private final String type;
    private final String title;
    private final Map<String, Object> extra;
    private final Map<String, String> headers;

    public ProblemException(int status, String type, String title, String detail) {
        this(status, type, title, detail, Map.of());
    }

    public ProblemException(int status, String type, String title, String detail, Map<String, Object> extra) {
        this(status, type, title, detail, extra, Map.of());
    }

    /** @param headers response headers the problem carries (a 416's {@code Content-Range}, say) */
    public ProblemException(int status, String type, String title, String detail, Map<String, Object> extra, Map<String, String> headers) {
        super(detail);
        this.status = status;
        this.type = type;
        this.title = title;
        this.extra = Map.copyOf(extra);
        this.headers = Map.copyOf(headers);
    }

    public Map<String, String> headers() {
        return headers;
    }

    public int status() {
        return status;
    }

    public String type() {
        return type;
    }

    public String title() {
        return title;
    }

    public Map<String, Object> extra() {
        return extra;
    }
}
