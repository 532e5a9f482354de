package dev.meldtown.service;

import dev.meldtown.crdt.ForwardingStorage;
import dev.meldtown.crdt.ReplicaStorage;
import dev.meldtown.model.ReplicaRef;

/**
 * A replica storage that logs every delta it stores (written or copied) in the replica's {@link BlockLog}, right after
 * the write. A delta that was already stored is not logged again: its writer logged it, or will (block-store-service's
 * outbox sweeper), or died between the two, and then the next full replay of the replica by the merge-service logs it
 * ({@link BlockLog#logUnlogged}). Obtained from {@link BlockLog#logging}.
 */
final class LoggingStorage extends ForwardingStorage {
    private final BlockLog log;
    private final ReplicaRef replica;

    LoggingStorage(ReplicaStorage delegate, BlockLog log, ReplicaRef replica) {
        super(delegate);
        this.log = log;
        this.replica = replica;
    }

    @Override
    public boolean write(String key, byte[] data) {
        return logged(key, delegate().write(key, data));
    }

    /** Server-side, as the storage below copies: the copied delta is logged like a written one. */
    @Override
    public boolean copy(ReplicaStorage source, String key) {
        return logged(key, delegate().copy(source instanceof LoggingStorage l ? l.delegate() : source, key));
    }

    private boolean logged(String key, boolean created) {
        if (created && key.endsWith(".delta")) {
            log.record(replica, key.substring(0, key.length() - ".delta".length()));
        }
        return created;
    }
}
