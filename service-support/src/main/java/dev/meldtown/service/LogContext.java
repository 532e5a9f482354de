package dev.meldtown.service;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.container.ContainerResponseFilter;
import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.ext.Provider;
import java.util.List;
import org.jboss.logging.MDC;

/**
 * The log context of a request or a record (issue 15 item 3): the MDC keys {@code tenant} and, where the request or
 * record is about one, {@code doc}, {@code replica}, {@code town}, {@code peer} and {@code federation}, so every log
 * line written while it is handled names them (JSON logs carry the MDC; {@code traceId} and {@code spanId} are put
 * there by the tracing, when it is on). For HTTP this is a filter over the matched path parameters, cleared when the
 * response is written; Kafka consumers call {@link #of} and {@link #clear} around each record.
 */
@Provider
public class LogContext implements ContainerRequestFilter, ContainerResponseFilter {
    /** The MDC keys this class sets (and clears). */
    public static final List<String> KEYS = List.of("tenant", "doc", "replica", "town", "peer", "federation");

    @Override
    public void filter(ContainerRequestContext request) {
        MultivaluedMap<String, String> params = request.getUriInfo().getPathParameters();
        for (String key : KEYS) {
            String value = params.getFirst(key);
            if (value == null && key.equals("federation")) {
                value = params.getFirst("name");
            }
            if (value != null) {
                MDC.put(key, value);
            }
        }
    }

    @Override
    public void filter(ContainerRequestContext request, ContainerResponseContext response) {
        clear();
    }

    /**
     * Sets the context of one record: {@code keyValues} as key, value, key, value… (null values are skipped).
     * The caller clears it with {@link #clear} in a {@code finally}.
     */
    public static void of(String... keyValues) {
        for (int i = 0; i + 1 < keyValues.length; i += 2) {
            if (keyValues[i + 1] != null) {
                MDC.put(keyValues[i], keyValues[i + 1]);
            }
        }
    }

    /**
     * Sets the context of a Kafka record from its key {@code tenant/subject} ({@code events/Topics.key}): {@code tenant}
     * and {@code subjectKey} ({@code doc} or {@code town}). The key is the producer's word, not checked yet: it is
     * cut to 128 characters, and a key without a {@code /} sets nothing.
     */
    public static void ofRecordKey(String key, String subjectKey) {
        if (key == null) {
            return;
        }
        String k = key.length() > 128 ? key.substring(0, 128) : key;
        int slash = k.indexOf('/');
        if (slash > 0) {
            of("tenant", k.substring(0, slash), subjectKey, k.substring(slash + 1));
        }
    }

    /** Removes every key this class sets (not the trace ids, which belong to the tracing). */
    public static void clear() {
        KEYS.forEach(MDC::remove);
    }
}
