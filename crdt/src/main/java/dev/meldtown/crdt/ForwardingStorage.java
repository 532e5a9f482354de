package dev.meldtown.crdt;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * A storage that hands every operation to another one, for decorators that change a few (compare Guava's
 * {@code Forwarding*} classes): a decorator overrides what it adds to and inherits the rest, so an operation added to
 * {@link ReplicaStorage} later (as {@link #readAll} was) reaches the backend instead of falling back to a default.
 *
 * <p>{@link #copy} is the one exception: it stays the interface's default, a read of the source and a
 * {@link #write} here, so a decorator that acts on writes (announcing, logging, counting) sees copied files too. A
 * decorator for which a server-side copy is safe overrides it.
 */
public abstract class ForwardingStorage implements ReplicaStorage {
    private final ReplicaStorage delegate;

    protected ForwardingStorage(ReplicaStorage delegate) {
        this.delegate = delegate;
    }

    /** The storage every operation goes to. */
    protected final ReplicaStorage delegate() {
        return delegate;
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
    public Map<String, byte[]> readAll(Collection<String> keys) {
        return delegate.readAll(keys);
    }

    @Override
    public boolean write(String key, byte[] data) {
        return delegate.write(key, data);
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

    @Override
    public void close() {
        delegate.close();
    }
}
