package dev.meldtown.merge;

import dev.meldtown.crdt.ReplicaStorage;
import dev.meldtown.model.ReplicaRef;
import dev.meldtown.storage.s3.BucketLayout;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.SortedMap;

/**
 * Copies Melda files between replicas of one document with the storage's server-side copies
 * ({@link ReplicaStorage#copy}: S3 CopyObject, never overwriting): packs and indexes before the deltas that need them.
 * Flate documents copy the {@code .flate} objects as they are.
 */
@ApplicationScoped
public class Melder {
    /** A block to bring into a replica, as announced ({@code block.committed}) or as loaded. */
    public record Tip(String id, Collection<String> parents, Collection<String> packs) {
    }

    /** What a meld copied (file names in copy order) and the stored bytes copied. */
    public record Copied(List<String> keys, long bytes, boolean reconciled) {
        Copied plus(Copied more) {
            List<String> all = new ArrayList<>(keys);
            all.addAll(more.keys);
            return new Copied(all, bytes + more.bytes, reconciled || more.reconciled);
        }
    }

    @Inject
    Bucket bucket;

    /**
     * Brings {@code tips} (and, through their parents, their history) from {@code source} into {@code target}.
     * When every parent of every tip is already in the target, only the tips and their packs are copied (a
     * constant number of requests, whatever the history); otherwise this falls back to {@link #meldAll}.
     *
     * @throws Poison if a tip or one of its packs is not stored in the source
     */
    public Copied meldTips(String tenant, String doc, boolean flate, String source, String target, Collection<Tip> tips) {
        if (source.equals(target)) {
            return new Copied(List.of(), 0, false);
        }
        ReplicaStorage to = bucket.files(ReplicaRef.of(tenant, doc, target));
        for (Tip tip : tips) {
            for (String parent : tip.parents()) {
                if (!to.exists(BucketLayout.stored(parent + ".delta", flate))) {
                    return meldAll(tenant, doc, flate, source, target, true);
                }
            }
        }
        Copied copied = new Copied(List.of(), 0, false);
        for (Tip tip : tips) {
            for (String pack : tip.packs()) {
                copied = copied.plus(ensure(tenant, doc, flate, source, target, pack + ".index", false));
                copied = copied.plus(ensure(tenant, doc, flate, source, target, pack + ".pack", true));
            }
            copied = copied.plus(ensure(tenant, doc, flate, source, target, tip.id() + ".delta", true));
        }
        return copied;
    }

    private Copied ensure(String tenant, String doc, boolean flate, String source, String target, String file, boolean required) {
        ReplicaStorage to = bucket.files(ReplicaRef.of(tenant, doc, target));
        String stored = BucketLayout.stored(file, flate);
        if (to.exists(stored)) {
            return new Copied(List.of(), 0, false);
        }
        ReplicaStorage from = bucket.files(ReplicaRef.of(tenant, doc, source));
        OptionalLong size = from.size(stored);
        if (size.isEmpty()) {
            if (required) {
                throw new Poison("missing-objects", file + " is not stored in replica " + source + " of " + tenant + "/" + doc);
            }
            return new Copied(List.of(), 0, false);
        }
        return to.copy(from, stored) ? new Copied(List.of(file), size.getAsLong(), false) : new Copied(List.of(), 0, false);
    }

    /** Full listing reconciliation: every file of {@code source} missing from {@code target}, packs and indexes first. */
    public Copied meldAll(String tenant, String doc, boolean flate, String source, String target, boolean fallback) {
        if (source.equals(target)) {
            return new Copied(List.of(), 0, fallback);
        }
        SortedMap<String, Long> have = bucket.files(tenant, doc, target, flate);
        SortedMap<String, Long> offer = bucket.files(tenant, doc, source, flate);
        ReplicaStorage from = bucket.files(ReplicaRef.of(tenant, doc, source));
        ReplicaStorage to = bucket.files(ReplicaRef.of(tenant, doc, target));
        List<String> keys = new ArrayList<>();
        long bytes = 0;
        for (String suffix : List.of(".pack", ".index", ".delta")) {
            for (Map.Entry<String, Long> e : offer.entrySet()) {
                String file = e.getKey();
                if (file.endsWith(suffix) && !have.containsKey(file) && to.copy(from, BucketLayout.stored(file, flate))) {
                    keys.add(file);
                    bytes += e.getValue();
                }
            }
        }
        return new Copied(keys, bytes, fallback);
    }

    /** Whether a replica holds any file. */
    public boolean hasFiles(String tenant, String doc, String replica, boolean flate) {
        return !bucket.files(tenant, doc, replica, flate).isEmpty();
    }
}
