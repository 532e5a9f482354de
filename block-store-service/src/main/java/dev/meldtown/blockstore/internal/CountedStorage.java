package dev.meldtown.blockstore.internal;

import dev.meldtown.crdt.ForwardingStorage;
import dev.meldtown.crdt.ReplicaStorage;
import java.util.function.LongConsumer;

/**
 * The bucket side of a replica's storage (below flate compression): every file it stores new reports its stored size,
 * the bytes a tenant's quota counts (issue 14). The write-once write says whether the file is new, so a repeated upload
 * is never counted twice.
 */
final class CountedStorage extends ForwardingStorage {
    private final LongConsumer stored;

    CountedStorage(ReplicaStorage delegate, LongConsumer stored) {
        super(delegate);
        this.stored = stored;
    }

    @Override
    public boolean write(String key, byte[] data) {
        boolean created = delegate().write(key, data);
        if (created) {
            stored.accept(data.length);
        }
        return created;
    }
}
