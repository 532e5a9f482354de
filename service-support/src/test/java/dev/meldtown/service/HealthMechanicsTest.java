package dev.meldtown.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.junit.jupiter.api.Test;

/** The shared health mechanics: a check that hangs never makes a health request wait; workers that stop are reported. */
class HealthMechanicsTest {
    @Test
    void aHangingCheckIsReportedDownWithinItsBoundAndItsRecoveryIsSeen() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        boolean[] hang = {true};
        try (CachedProbe probe = new CachedProbe("dependency", () -> {
            if (hang[0]) {
                release.await(60, TimeUnit.SECONDS);
            }
            return Map.of("answered", true);
        }, Duration.ofMillis(100), Duration.ofMillis(500))) {
            for (int i = 0; i < 3; i++) {
                long start = System.nanoTime();
                HealthCheckResponse r = probe.response();
                assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(1500));
                assertThat(r.getStatus()).isEqualTo(HealthCheckResponse.Status.DOWN);
                assertThat(r.getData().orElseThrow().get("error").toString()).contains("no answer within 500 ms");
            }
            hang[0] = false;
            release.countDown();
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (probe.response().getStatus() != HealthCheckResponse.Status.UP && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(probe.response().getStatus()).isEqualTo(HealthCheckResponse.Status.UP);
        }
    }

    @Test
    void aFailingCheckIsDownWithItsError() {
        try (CachedProbe probe = new CachedProbe("broken", () -> {
            throw new IllegalStateException("connection refused");
        }, Duration.ofMillis(100), Duration.ofMillis(500))) {
            HealthCheckResponse r = probe.response();
            assertThat(r.getStatus()).isEqualTo(HealthCheckResponse.Status.DOWN);
            assertThat(r.getData().orElseThrow().get("error")).isEqualTo("connection refused");
        }
    }

    @Test
    void workersAreAliveWhileTheyBeatAndDownWhenSilentOrDead() throws Exception {
        Workers workers = new Workers();
        WorkersLivenessCheck check = new WorkersLivenessCheck();
        check.workers = workers;
        Workers.Heartbeat beating = workers.register("beating", Duration.ofMillis(300));
        Workers.Heartbeat dying = workers.register("dying", Duration.ofMinutes(5));
        workers.watch("watched", () -> null);
        assertThat(check.call().getStatus()).isEqualTo(HealthCheckResponse.Status.UP);

        dying.died("its thread ended");
        HealthCheckResponse r = check.call();
        assertThat(r.getStatus()).isEqualTo(HealthCheckResponse.Status.DOWN);
        assertThat(r.getData().orElseThrow()).containsEntry("dying", "its thread ended").containsEntry("beating", "alive")
                .containsEntry("watched", "alive");
        workers.remove("dying");
        assertThat(check.call().getStatus()).isEqualTo(HealthCheckResponse.Status.UP);

        Thread.sleep(500);
        r = check.call();
        assertThat(r.getStatus()).isEqualTo(HealthCheckResponse.Status.DOWN);
        assertThat(r.getData().orElseThrow().get("beating").toString()).startsWith("no progress");
        beating.beat();
        assertThat(check.call().getStatus()).isEqualTo(HealthCheckResponse.Status.UP);
    }
}
