package dev.meldtown.crdt.internal;

import dev.meldtown.crdt.MissingKeyException;
import dev.meldtown.crdt.ReplicaStorage;
import dev.meldtown.crdt.StorageException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Reads of many keys of one storage with several in flight ({@link ReplicaStorage#readConcurrently}): one pool of
 * {@value #THREADS} daemon threads per process, shared by every storage, so the reads in flight stay bounded whatever
 * the number of callers. A caller waits for its own reads only.
 */
public final class ConcurrentReads {
    static final int THREADS = 16;
    private static final AtomicInteger COUNT = new AtomicInteger();
    private static final ExecutorService POOL = Executors.newFixedThreadPool(THREADS, r -> {
        Thread t = new Thread(r, "meldtown-storage-read-" + COUNT.incrementAndGet());
        t.setDaemon(true);
        return t;
    });

    private ConcurrentReads() {
    }

    public static Map<String, byte[]> read(ReplicaStorage storage, Collection<String> keys) {
        List<String> distinct = new ArrayList<>(new LinkedHashSet<>(keys));
        if (distinct.size() <= 1) {
            return sequential(storage, distinct);
        }
        List<Future<byte[]>> futures = new ArrayList<>(distinct.size());
        for (String key : distinct) {
            futures.add(POOL.submit(() -> {
                try {
                    return storage.read(key);
                } catch (MissingKeyException e) {
                    return null;
                }
            }));
        }
        Map<String, byte[]> out = new LinkedHashMap<>();
        try {
            for (int i = 0; i < distinct.size(); i++) {
                byte[] bytes = futures.get(i).get();
                if (bytes != null) {
                    out.put(distinct.get(i), bytes);
                }
            }
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StorageException("interrupted while reading " + distinct.size() + " keys", e);
        } catch (ExecutionException | CancellationException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            if (cause instanceof RuntimeException r) {
                throw r;
            }
            throw new StorageException("reading " + distinct.size() + " keys failed: " + cause, cause);
        } finally {
            futures.forEach(f -> f.cancel(true));
        }
    }

    /** The reads one after another ({@link ReplicaStorage#readAll}'s default). */
    public static Map<String, byte[]> sequential(ReplicaStorage storage, Collection<String> keys) {
        Map<String, byte[]> out = new LinkedHashMap<>();
        for (String key : keys) {
            try {
                out.put(key, storage.read(key));
            } catch (MissingKeyException e) {
                // absent: left out
            }
        }
        return out;
    }
}
