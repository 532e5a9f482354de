package dev.meldtown.events;

import java.util.regex.Pattern;

/**
 * W3C trace context carried by an event: the CloudEvents Distributed Tracing extension's {@code traceparent} and
 * {@code tracestate} attributes (the same values as the W3C HTTP headers). The trace an event belongs to also rides in
 * the Kafka record's {@code traceparent}/{@code tracestate} headers; the extension keeps it with the event wherever the
 * event goes (a dead-letter topic, a change feed, a file).
 *
 * @param traceparent {@code 00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>}
 * @param tracestate  vendor entries, or null
 */
public record TraceContext(String traceparent, String tracestate) {
    /** The CloudEvents extension attribute names. */
    public static final String TRACEPARENT = "traceparent";
    public static final String TRACESTATE = "tracestate";
    private static final Pattern W3C = Pattern.compile("[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}");

    public TraceContext {
        if (traceparent == null || !W3C.matcher(traceparent).matches()) {
            throw new IllegalArgumentException("not a W3C traceparent: " + traceparent);
        }
        if (tracestate != null && tracestate.isBlank()) {
            tracestate = null;
        }
    }

    /** The trace id (32 hex digits). */
    public String traceId() {
        return traceparent.substring(3, 35);
    }

    /** The id of the span the event was emitted in (16 hex digits). */
    public String parentId() {
        return traceparent.substring(36, 52);
    }
}
