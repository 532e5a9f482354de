package dev.meldtown.service.tracing;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import org.jboss.logging.MDC;

/**
 * The trace and span the current thread works for (W3C ids, lowercase hex), for log lines and error bodies: what a
 * log formatter or MDC filter reads. Null outside any span.
 */
public final class CurrentTrace {
    /** The log context (MDC) keys of the ids, which the JSON log lines carry (docs/observability.md). */
    public static final String TRACE_ID = "traceId";
    public static final String SPAN_ID = "spanId";

    private CurrentTrace() {
    }

    /** Puts the current span's ids in the log context (where a span is made current for a request or a record). */
    static void toLogContext() {
        String trace = traceId();
        if (trace != null) {
            MDC.put(TRACE_ID, trace);
            MDC.put(SPAN_ID, spanId());
        }
    }

    /** Removes the ids from the log context (where that span stops being current). */
    static void clearLogContext() {
        MDC.remove(TRACE_ID);
        MDC.remove(SPAN_ID);
    }

    /** The 32-hex-digit trace id of the current span, or null when there is none. */
    public static String traceId() {
        SpanContext c = Span.current().getSpanContext();
        return c.isValid() ? c.getTraceId() : null;
    }

    /** The 16-hex-digit id of the current span, or null when there is none. */
    public static String spanId() {
        SpanContext c = Span.current().getSpanContext();
        return c.isValid() ? c.getSpanId() : null;
    }
}
