package dev.meldtown.sync.service.internal;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * A fixed number of daemon threads and a bounded queue for work accepted now and done later ({@code ?async=true}
 * syncs): a flood of requests is refused instead of growing threads or memory without bound. A task that throws,
 * even an {@link Error}, is logged and leaves its thread working.
 */
public final class BoundedExecutor implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(BoundedExecutor.class);

    private final ThreadPoolExecutor pool;

    public BoundedExecutor(String name, int threads, int pending) {
        pool = new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS, new ArrayBlockingQueue<>(pending), r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        }, new ThreadPoolExecutor.AbortPolicy());
        pool.allowCoreThreadTimeOut(true);
    }

    /** Queues the task; false when all threads are busy and {@code pending} tasks already wait. */
    public boolean offer(String what, Runnable task) {
        try {
            pool.execute(() -> {
                try {
                    task.run();
                } catch (RuntimeException e) {
                    LOG.errorf("%s failed: %s", what, e.toString());
                } catch (Error e) {
                    LOG.errorf(e, "%s failed with an Error", what);
                }
            });
            return true;
        } catch (RejectedExecutionException e) {
            return false;
        }
    }

    @Override
    public void close() {
        pool.shutdown();
    }
}
