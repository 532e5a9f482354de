package dev.meldtown.service.feed;

import io.vertx.core.http.HttpServerResponse;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import jakarta.ws.rs.sse.SseEventSink;
import java.util.concurrent.CompletionStage;

/**
 * The HTTP side of one stream: a resource's {@link SseEventSink}, and the Vert.x response it writes to (to know when
 * the framework has sent the response head, before which the stream must not write).
 */
public final class FeedSink {
    private final SseEventSink sink;
    private final Sse sse;
    private final HttpServerResponse response;

    public FeedSink(SseEventSink sink, Sse sse, HttpServerResponse response) {
        this.sink = sink;
        this.sse = sse;
        this.response = response;
    }

    /** Tells caches and buffering proxies (nginx) to pass the stream through as it comes. */
    public void noCaching() {
        if (response != null && !response.headWritten()) {
            response.putHeader("Cache-Control", "no-store");
            response.putHeader("X-Accel-Buffering", "no");
        }
    }

    /** Whether the framework has sent the {@code 200 text/event-stream} head. */
    public boolean started() {
        return response == null || response.headWritten();
    }

    public boolean closed() {
        return sink.isClosed() || (response != null && response.closed());
    }

    /** One event: completes when it was written to the connection. */
    public CompletionStage<?> event(String id, String name, String data) {
        OutboundSseEvent event = sse.newEventBuilder().id(id).name(name).data(String.class, data).build();
        return send(event);
    }

    private CompletionStage<?> send(OutboundSseEvent event) {
        try {
            return sink.send(event);
        } catch (IllegalStateException e) {
            return java.util.concurrent.CompletableFuture.failedFuture(e); // the client left meanwhile
        }
    }

    /** A comment line ({@code : text}), which clients ignore: keeps idle connections and proxies open. */
    public CompletionStage<?> comment(String text) {
        return send(sse.newEventBuilder().comment(text).build());
    }

    /**
     * Drops the connection at once, without waiting for what is still queued for a client that does not read (a plain
     * close would end the response behind that queue).
     */
    public void abort() {
        try {
            if (response != null) {
                response.reset();
            }
        } catch (RuntimeException ignored) {
            // already gone
        }
        close();
    }

    public void close() {
        try {
            sink.close();
        } catch (RuntimeException ignored) {
            // already closed by the client
        }
    }
}
