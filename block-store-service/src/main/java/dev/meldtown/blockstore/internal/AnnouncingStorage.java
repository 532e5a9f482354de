package dev.meldtown.blockstore.internal;

import dev.meldtown.crdt.DeltaBlock;
import dev.meldtown.crdt.ReplicaStorage;
import java.util.List;
import java.util.OptionalLong;
import java.util.function.ObjLongConsumer;

/**
 * The replica storage every write path goes through (file uploads and server-side commits alike): a new
 * {@code .delta} is announced through the outbox, and every new file counts toward the tenant's stored bytes.
 */
final class AnnouncingStorage implements ReplicaStorage {
    private final ReplicaStorage delegate;
    private final BlockAnnouncer announcer;
    private final String tenant;
    private final String doc;
    private final String replica;
    private final ObjLongConsumer<String> stored;

    AnnouncingStorage(ReplicaStorage delegate, BlockAnnouncer announcer, String tenant, String doc, String replica,
                      ObjLongConsumer<String> stored) {
        this.delegate = delegate;
        this.announcer = announcer;
        this.tenant = tenant;
        this.doc = doc;
        this.replica = replica;
        this.stored = stored;
    }

    @Override
    public byte[] read(String key) {
        return delegate.read(key);
    }

    @Override
    public byte[] read(String key, long offset, int length) {
        return delegate.read(key, offset, length);
    }

    @Override
    public boolean write(String key, byte[] data) {
        if (!key.endsWith(".delta")) {
            boolean created = delegate.write(key, data);
            if (created) {
                stored.accept(tenant, data.length);
            }
            return created;
        }
        if (delegate.exists(key)) {
            return false; // already stored, and announced by whoever stored it
        }
        String id = key.substring(0, key.length() - ".delta".length());
        DeltaBlock block = DeltaBlock.parse(id, data);
        boolean ownsEntry = announcer.intend(tenant, doc, replica, block, data);
        boolean created = delegate.write(key, data);
        if (created) {
            stored.accept(tenant, data.length);
        }
        if (created || ownsEntry) {
            // A concurrent writer may have stored it first and failed to publish: a duplicate is harmless.
            announcer.publishLater(tenant, doc, replica, id);
        }
        return created;
    }

    @Override
    public List<String> list(String suffix) {
        return delegate.list(suffix);
    }

    @Override
    public List<String> listPage(String suffix, String startAfter, int limit) {
        return delegate.listPage(suffix, startAfter, limit);
    }

    @Override
    public boolean exists(String key) {
        return delegate.exists(key);
    }

    @Override
    public OptionalLong size(String key) {
        return delegate.size(key);
    }

    // copy: the interface's default, through write(), so a copied delta is announced like any other
}
