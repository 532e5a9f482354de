package dev.meldtown.crdt;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * An object with more than one leaf. Values are the raw stored contents (a descriptor shows {@code {"a":…}} or
 * {@code {"A":…}}, a delete {@code {"_deleted":true}}), as libmelda-tools' {@code conflicts} prints them.
 *
 * @param uuid the object id
 * @param winner the winning revision and its value
 * @param others the other leaves, sorted by their text
 */
public record Conflict(String uuid, Leaf winner, List<Leaf> others) {
    /** One leaf revision with its raw value. */
    public record Leaf(Revision revision, JsonNode value) {
    }

    public Conflict {
        others = List.copyOf(others);
    }
}
