package dev.meldtown.service.feed;

import dev.meldtown.service.ProblemException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where a feed stands in Kafka: for every partition of its topics, the offset of the next record to read. It is the
 * SSE {@code id} of every event (opaque to clients: base64url of {@code <kind>1|<topic index>.<partition>=<offset>,…}),
 * so a client that reconnects with {@code Last-Event-ID} resumes exactly after the last event it received: records
 * before these offsets were either sent or filtered out, records from them on were not sent.
 *
 * @param kind    the feed's kind ({@link FeedSelector#kind()}), so an id of one feed is refused by another
 * @param offsets next offset per (topic index, partition)
 */
public record FeedPosition(String kind, Map<Slot, Long> offsets) {
    /** The longest {@code Last-Event-ID} accepted (a feed over two topics of 64 partitions each needs about 2 KiB). */
    public static final int MAX_ID_LENGTH = 8192;
    private static final Pattern ENTRY = Pattern.compile("(\\d{1,3})\\.(\\d{1,6})=(\\d{1,19})");

    /** One partition of the feed's {@code topic}-th topic. */
    public record Slot(int topic, int partition) implements Comparable<Slot> {
        @Override
        public int compareTo(Slot o) {
            return topic != o.topic ? Integer.compare(topic, o.topic) : Integer.compare(partition, o.partition);
        }
    }

    public FeedPosition {
        offsets = Collections.unmodifiableMap(new TreeMap<>(offsets));
    }

    /** The SSE id. */
    public String encode() {
        StringBuilder text = new StringBuilder(kind).append("1|");
        boolean first = true;
        for (Map.Entry<Slot, Long> e : offsets.entrySet()) {
            if (!first) {
                text.append(',');
            }
            first = false;
            text.append(e.getKey().topic()).append('.').append(e.getKey().partition()).append('=').append(e.getValue());
        }
        return Base64.getUrlEncoder().withoutPadding().encodeToString(text.toString().getBytes(StandardCharsets.US_ASCII));
    }

    /**
     * Parses a {@code Last-Event-ID} of a feed of {@code kind} over {@code topicCount} topics.
     *
     * @throws ProblemException 400 {@code invalid-last-event-id} when it is not an id this feed gave out
     */
    public static FeedPosition decode(String id, String kind, int topicCount) {
        if (id.length() > MAX_ID_LENGTH) {
            throw invalid("it is longer than " + MAX_ID_LENGTH + " characters");
        }
        String text;
        try {
            text = new String(Base64.getUrlDecoder().decode(id), StandardCharsets.US_ASCII);
        } catch (IllegalArgumentException e) {
            throw invalid("it is not base64url");
        }
        int bar = text.indexOf('|');
        if (bar < 2 || !text.startsWith(kind + "1|")) {
            throw invalid("it is not an id of this feed");
        }
        Map<Slot, Long> offsets = new TreeMap<>();
        String body = text.substring(bar + 1);
        if (body.isEmpty()) {
            throw invalid("it names no partition");
        }
        for (String entry : body.split(",", -1)) {
            Matcher m = ENTRY.matcher(entry);
            if (!m.matches()) {
                throw invalid("it is not an id of this feed");
            }
            int topic = Integer.parseInt(m.group(1));
            int partition = Integer.parseInt(m.group(2));
            long offset;
            try {
                offset = Long.parseLong(m.group(3));
            } catch (NumberFormatException e) {
                throw invalid("an offset is out of range");
            }
            if (topic >= topicCount) {
                throw invalid("it names a topic this feed does not read");
            }
            if (offsets.put(new Slot(topic, partition), offset) != null) {
                throw invalid("it names a partition twice");
            }
        }
        return new FeedPosition(kind, offsets);
    }

    static ProblemException invalid(String why) {
        return new ProblemException(400, "invalid-last-event-id", "Bad Request",
                "Last-Event-ID is not a position of this feed: " + why + "; reconnect without it to start at the end");
    }
}
