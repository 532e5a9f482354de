package dev.meldtown.service.feed;

/** The OpenAPI texts of the change feeds, shared by the services' feed resources. */
public final class ChangeFeedDocs {
    public static final String DESCRIPTION = "Server-Sent Events (text/event-stream), read from Kafka by a consumer of this stream alone. "
            + "Every event has `id` (an opaque position: send it back as `Last-Event-ID` on reconnect to receive exactly the events "
            + "published since, with no duplicates), `event` (the CloudEvents type) and `data` (the CloudEvent as structured JSON, "
            + "as on Kafka). Without `Last-Event-ID` the stream starts at the events published from now on. A comment line "
            + "(`: keep-alive`) is sent every 15 s of silence. The server ends a stream after `maxSeconds` (at most "
            + "`meldtown.feeds.max-duration`, 1 h), and a stream whose client reads too slowly; reconnecting with the last id loses "
            + "nothing. A malformed `Last-Event-ID` is 400 before the stream starts; too many open streams (per instance or tenant) "
            + "and Kafka being away are 503 with Retry-After.";
    public static final String LAST_EVENT_ID = "The `id` of the last event received: the stream resumes right after it. "
            + "An id this feed did not give out is 400 (invalid-last-event-id).";
    public static final String MAX_SECONDS = "End the stream after this many seconds (1 to meldtown.feeds.max-duration, 3600 by default); "
            + "without it the stream lasts meldtown.feeds.max-duration.";

    private ChangeFeedDocs() {
    }
}
