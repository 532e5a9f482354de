package dev.meldtown.service;

import dev.meldtown.crdt.DeltaBlock;
import dev.meldtown.crdt.ForwardingStorage;
import dev.meldtown.crdt.ReplicaStorage;
import dev.meldtown.model.ReplicaRef;
import java.util.function.ObjLongConsumer;

/**
 * A replica storage whose new deltas are announced through a {@link BlockOutbox} (the outbox entry before the delta,
 * the event after it), and whose new files count toward the tenant's stored bytes. No existence probe precedes a
 * write: the write-once write says whether the file is new. Obtained from {@link BlockOutbox#announcing}.
 */
final class AnnouncingStorage extends ForwardingStorage {
    private final BlockOutbox outbox;
    private final ReplicaRef replica;
    private final ObjLongConsumer<String> stored;

    AnnouncingStorage(ReplicaStorage delegate, BlockOutbox outbox, ReplicaRef replica, ObjLongConsumer<String> stored) {
        super(delegate);
        this.outbox = outbox;
        this.replica = replica;
        this.stored = stored;
    }

    @Override
    public boolean write(String key, byte[] data) {
        if (!key.endsWith(".delta")) {
            return count(delegate().write(key, data), data);
        }
        String id = key.substring(0, key.length() - ".delta".length());
        BlockOutbox.Intent intent = outbox.intend(replica, DeltaBlock.parse(id, data));
        boolean created = delegate().write(key, data); // write-once: no probe first, the write says whether it is new
        BlockLog log = outbox.log();
        if (log != null) {
            log.record(replica, id); // before the event: a reader told of the block finds it in the log
        }
        if (created || intent.owned()) {
            // Owned but not created: another writer stored it first and may have died before publishing; a duplicate
            // event is harmless (consumers are idempotent), a lost one is not.
            outbox.publishLater(intent);
        }
        return count(created, data);
    }

    private boolean count(boolean created, byte[] data) {
        if (created) {
            stored.accept(replica.tenant().value(), data.length);
        }
        return created;
    }

    // copy: ForwardingStorage leaves it the interface's default, through write(), so a copied delta is announced like any other
}
