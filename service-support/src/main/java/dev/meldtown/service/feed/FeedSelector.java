package dev.meldtown.service.feed;

import dev.meldtown.events.EventType;
import dev.meldtown.events.Topics;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What one change feed streams: the Kafka topics it reads (in a fixed order, which the resumable ids depend on), the
 * event types it passes on, and the record keys of one tenant's document or of all its towns (contracts §3: records
 * are keyed {@code {tenant}/{doc}} or {@code {tenant}/{town}}). An event passes only when its record key, its
 * CloudEvents {@code subject} and its data's {@code tenant} all agree with the feed.
 *
 * @param kind     a short name of the feed ({@code doc}, {@code sync}), carried in its ids
 * @param topics   the topics read, in id order
 * @param types    the CloudEvents types passed on
 * @param tenant   the tenant whose events pass
 * @param subject  the one subject (document) that passes, or null for any of the tenant's subjects
 */
public record FeedSelector(String kind, List<String> topics, Set<String> types, String tenant, String subject) {
    public FeedSelector {
        topics = List.copyOf(topics);
        types = Set.copyOf(types);
    }

    /** A document's {@code block.committed} and {@code merge.*} events. */
    public static FeedSelector document(String tenant, String doc) {
        return new FeedSelector("doc", List.of(Topics.BLOCKS, Topics.MERGES),
                types(EventType.BLOCK_COMMITTED, EventType.MERGE_REQUESTED, EventType.MERGE_COMPLETED, EventType.MERGE_FAILED),
                tenant, doc);
    }

    /** A tenant's {@code sync.*} events, of every town. */
    public static FeedSelector syncs(String tenant) {
        return new FeedSelector("sync", List.of(Topics.SYNCS), types(EventType.SYNC_REQUESTED, EventType.SYNC_COMPLETED), tenant, null);
    }

    private static Set<String> types(EventType... types) {
        return java.util.Arrays.stream(types).map(EventType::type).collect(Collectors.toUnmodifiableSet());
    }

    /** Whether a record with this key may carry one of the feed's events (checked before the value is decoded). */
    public boolean keyMatches(String key) {
        if (key == null) {
            return false;
        }
        return subject == null ? key.startsWith(tenant + "/") && key.length() > tenant.length() + 1 : key.equals(Topics.key(tenant, subject));
    }

    /** Whether a decoded event of a record keyed {@code key} belongs to the feed. */
    public boolean eventMatches(String key, String type, String eventSubject, String dataTenant) {
        return keyMatches(key) && types.contains(type) && tenant.equals(dataTenant)
                && eventSubject != null && key.equals(Topics.key(tenant, eventSubject));
    }
}
