package dev.meldtown.sync.service.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The executor of {@code ?async=true} syncs: bounded threads and queue, and threads that survive failing tasks. */
class BoundedExecutorTest {
    @Test
    void aFloodIsRefusedOnceThreadsAndQueueAreFull() throws Exception {
        try (var executor = new BoundedExecutor("test-async", 2, 3)) {
            CountDownLatch release = new CountDownLatch(1);
            CountDownLatch started = new CountDownLatch(2);
            AtomicInteger done = new AtomicInteger();
            Runnable blocking = () -> {
                started.countDown();
                try {
                    release.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                done.incrementAndGet();
            };
            int accepted = 0;
            for (int i = 0; i < 100; i++) {
                if (executor.offer("task " + i, blocking)) {
                    accepted++;
                }
                if (i == 1) {
                    assertThat(started.await(10, TimeUnit.SECONDS)).isTrue(); // both threads are busy
                }
            }
            assertThat(accepted).as("2 running + 3 waiting").isEqualTo(5);
            release.countDown();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (done.get() < 5 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(done.get()).isEqualTo(5);
            assertThat(executor.offer("after", () -> { })).isTrue();
        }
    }

    @Test
    void aTaskThatThrowsAnErrorDoesNotStopTheExecutor() throws Exception {
        try (var executor = new BoundedExecutor("test-async", 1, 10)) {
            executor.offer("runtime", () -> {
                throw new IllegalStateException("boom");
            });
            executor.offer("error", () -> {
                throw new OutOfMemoryError("simulated by the task itself");
            });
            CountDownLatch ran = new CountDownLatch(1);
            assertThat(executor.offer("after", ran::countDown)).isTrue();
            assertThat(ran.await(10, TimeUnit.SECONDS)).as("the task after the failing ones ran").isTrue();
        }
    }
}
