package dev.meldtown.testkit;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A Server-Sent Events client for tests: {@link java.net.http.HttpClient} reading the stream line by line on its own
 * thread, as a browser's EventSource does (fields {@code id}, {@code event}, {@code data}; comments kept apart).
 */
public final class SseClient implements AutoCloseable {
    /** One event as the client sees it. */
    public record Event(String id, String event, String data) {
    }

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    private static final Object END = new Object();

    private final HttpResponse<InputStream> response;
    private final BlockingQueue<Object> events = new LinkedBlockingQueue<>();
    private final List<String> comments = java.util.Collections.synchronizedList(new ArrayList<>());
    private final String body;
    private volatile boolean ended;

    private SseClient(HttpResponse<InputStream> response) throws IOException {
        this.response = response;
        if (response.statusCode() != 200) {
            try (InputStream in = response.body()) {
                body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            ended = true;
            return;
        }
        body = null;
        Thread reader = new Thread(this::read, "sse-client");
        reader.setDaemon(true);
        reader.start();
    }

    /** Opens {@code uri} with a bearer token and, unless null, a {@code Last-Event-ID}; returns once the head arrived. */
    public static SseClient open(URI uri, String token, String lastEventId) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).header("Accept", "text/event-stream").GET();
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        if (lastEventId != null) {
            request.header("Last-Event-ID", lastEventId);
        }
        return new SseClient(HTTP.send(request.build(), HttpResponse.BodyHandlers.ofInputStream()));
    }

    public int status() {
        return response.statusCode();
    }

    public String header(String name) {
        return response.headers().firstValue(name).orElse(null);
    }

    /** The body of an answer other than 200 (a problem+json). */
    public String body() {
        return body;
    }

    public List<String> comments() {
        return List.copyOf(comments);
    }

    /** Whether the server ended the stream. */
    public boolean ended() {
        return ended;
    }

    /** The next event, or null when none came within {@code timeout} or the stream ended. */
    public Event next(Duration timeout) throws InterruptedException {
        Object next = events.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (next == END) {
            events.add(END);
            return null;
        }
        return (Event) next;
    }

    /** The next {@code n} events, failing when they do not come within {@code timeout}. */
    public List<Event> take(int n, Duration timeout) throws InterruptedException {
        List<Event> got = new ArrayList<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (got.size() < n) {
            long left = deadline - System.nanoTime();
            Event e = left <= 0 ? null : next(Duration.ofNanos(left));
            if (e == null) {
                throw new AssertionError("expected " + n + " events within " + timeout + ", got " + got.size() + ": " + got);
            }
            got.add(e);
        }
        return got;
    }

    /** Waits until the server ends the stream; false when it did not within {@code timeout}. */
    public boolean awaitEnd(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!ended && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        return ended;
    }

    private void read() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            String id = null;
            String event = null;
            StringBuilder data = null;
            String line;
            while ((line = in.readLine()) != null) {
                if (line.isEmpty()) {
                    if (data != null) {
                        events.add(new Event(id, event, data.toString()));
                    }
                    id = null;
                    event = null;
                    data = null;
                } else if (line.startsWith(":")) {
                    comments.add(line.substring(1).strip());
                } else {
                    int colon = line.indexOf(':');
                    String field = colon < 0 ? line : line.substring(0, colon);
                    String value = colon < 0 ? "" : line.substring(colon + 1);
                    if (value.startsWith(" ")) {
                        value = value.substring(1);
                    }
                    switch (field) {
                        case "id" -> id = value;
                        case "event" -> event = value;
                        case "data" -> data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
                        default -> { }
                    }
                }
            }
        } catch (IOException e) {
            // closed by close() or by the server
        } finally {
            ended = true;
            events.add(END);
        }
    }

    @Override
    public void close() {
        try {
            response.body().close();
        } catch (IOException ignored) {
            // already closed
        }
    }
}
