package dev.meldtown.service;

import java.util.Map;

/**
 * A dependency (S3, Kafka) did not answer: the request may succeed later, so the caller gets 503 problem+json with
 * {@code Retry-After}, never 500. {@link Outages#unavailable(Throwable)} recognises the SDKs' failures.
 */
public class DependencyUnavailableException extends ProblemException {
    /** Seconds a client should wait before trying again. */
    public static final int RETRY_AFTER_SECONDS = 5;

    private final String dependency;

    public DependencyUnavailableException(String dependency, String detail, Throwable cause) {
        super(503, dependency + "-unavailable", "Service Unavailable", detail, Map.of("dependency", dependency));
        this.dependency = dependency;
        if (cause != null) {
            initCause(cause);
        }
    }

    /** {@code storage} (S3) or {@code events} (Kafka). */
    public String dependency() {
        return dependency;
    }
}
