package dev.meldtown.sync.service;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meldtown.sync.service.internal.RoundLease;
import dev.meldtown.sync.service.internal.RoundTicker;
import dev.meldtown.testkit.junit.S3Extension;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Issue 9: with two orchestrator instances, every scheduled round of a federation runs exactly once, and when one
 * instance dies the other takes the rounds over. Two scheduler instances ({@link RoundTicker}, the scheduler's
 * tick without Quarkus), each with its own S3 client, tick in lockstep against one real S3 server (S3Proxy), so
 * every due round is raced for by both: only the conditional write ({@code If-Match} on the ETag) decides.
 */
class RoundsAcrossInstancesTest {
    @RegisterExtension
    static S3Extension s3 = new S3Extension();

    record Ran(String federation, long round, String owner, java.time.Instant at) {
    }

    /** One scheduler instance ticking on its own thread until stopped; a round "runs" for 50 ms. */
    static final class Instance implements AutoCloseable {
        final String name;
        final S3Client client;
        final RoundTicker ticker;
        final AtomicBoolean alive = new AtomicBoolean(true);
        volatile CyclicBarrier lockstep;
        final Thread thread;

        Instance(String name, List<RoundTicker.Scheduled> federations, List<Ran> ran, CyclicBarrier lockstep) {
            this.lockstep = lockstep;
            this.name = name;
            this.client = s3.server().client();
            this.ticker = new RoundTicker(new RoundLease(client, s3.server().bucket(), name, Clock.systemUTC()));
            this.thread = new Thread(() -> {
                while (alive.get()) {
                    try {
                        CyclicBarrier step = this.lockstep;
                        if (step != null) {
                            step.await(2, TimeUnit.SECONDS);
                        }
                    } catch (InterruptedException | BrokenBarrierException | TimeoutException e) {
                        if (!alive.get()) {
                            return;
                        }
                    }
                    ticker.tick(federations, claim -> {
                        ran.add(new Ran(claim.federation(), claim.round(), name, java.time.Instant.now()));
                        sleep(50);
                    });
                    sleep(20);
                }
            }, "scheduler-" + name);
            thread.start();
        }

        /**
         * Stops ticking after the tick in progress. It is not interrupted: an interrupt in the middle of the claim's
         * conditional write aborts the client's call after S3 may have stored the claim, and the test would then
         * miss a round this instance really won (the SIGKILL test below covers a death at any moment).
         */
        @Override
        public void close() throws InterruptedException {
            alive.set(false);
            thread.join(5000);
            client.close();
        }
    }

    @Test
    void everyRoundRunsOnceAcrossTwoInstancesAndTheSurvivorTakesOver() throws Exception {
        List<RoundTicker.Scheduled> federations = List.of(
                new RoundTicker.Scheduled("acme", "fleet", 2), new RoundTicker.Scheduled("acme", "pair", 2));
        List<Ran> ran = new CopyOnWriteArrayList<>();
        CyclicBarrier lockstep = new CyclicBarrier(2);
        Instance a = new Instance("a", federations, ran, lockstep);
        Instance b = new Instance("b", federations, ran, lockstep);
        // rounds are due every 2 s: four of each federation take 8 s (plus the anchor's jitter); a busy machine may
        // stall both instances past a round, which is then not made up (RoundLease), so wait for four with a margin
        awaitRounds(ran, federations, 4, 40_000);

        // both raced for every round (lockstep); each round ran at most once, in order
        List<Ran> together = List.copyOf(ran);
        for (var f : federations) {
            List<Long> rounds = together.stream().filter(r -> r.federation().equals(f.federation())).map(Ran::round).toList();
            assertThat(rounds).as("rounds of %s: %s", f.federation(), together).hasSizeGreaterThanOrEqualTo(4)
                    .doesNotHaveDuplicates().isSorted(); // each round at most once; a round due while every instance stalled is not made up (RoundLease)
        }
        Map<String, Long> byOwner = together.stream().collect(Collectors.groupingBy(Ran::owner, Collectors.counting()));

        // the instance that ran the latest round dies; the other one goes on alone
        Ran latest = together.get(together.size() - 1);
        Instance dead = latest.owner().equals("a") ? a : b;
        Instance survivor = dead == a ? b : a;
        survivor.lockstep = null;
        lockstep.reset(); // releases the survivor at once if it waits for its partner (else it waits out the 2 s timeout and may miss a round)
        dead.close();
        int before = ran.size();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(40);
        Thread.sleep(7_000);
        while (ran.size() - before < 5 && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        List<Ran> after = List.copyOf(ran.subList(before, ran.size()));
        survivor.close();

        assertThat(after).as("rounds after %s died (earlier: %s)", dead.name, byOwner).hasSizeGreaterThanOrEqualTo(5)
                .allSatisfy(r -> assertThat(r.owner()).isEqualTo(survivor.name));
        for (var f : federations) {
            List<Long> rounds = new ArrayList<>(ran.stream().filter(r -> r.federation().equals(f.federation())).map(Ran::round).toList());
            assertThat(rounds).as("rounds of %s across the takeover: %s", f.federation(), ran)
                    .doesNotHaveDuplicates().isSorted(); // each round at most once; a round due while every instance stalled is not made up (RoundLease)
        }
    }

    /** Waits until every federation ran at least {@code rounds} rounds, or the time is up. */
    private static void awaitRounds(List<Ran> ran, List<RoundTicker.Scheduled> federations, int rounds, long millis)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (System.nanoTime() < deadline && federations.stream().anyMatch(
                f -> ran.stream().filter(r -> r.federation().equals(f.federation())).count() < rounds)) {
            Thread.sleep(200);
        }
    }

    /**
     * The same with the second instance in another JVM ({@link SecondScheduler}), which is then killed with SIGKILL:
     * no round runs twice, and the instance in this JVM runs every round after the kill.
     */
    @Test
    void aSchedulerInAnotherJvmIsKilledAndTheOtherRunsTheRounds() throws Exception {
        List<RoundTicker.Scheduled> federations = List.of(
                new RoundTicker.Scheduled("beta", "fleet", 2), new RoundTicker.Scheduled("beta", "pair", 2));
        List<Ran> ran = new CopyOnWriteArrayList<>();
        var server = s3.server();
        List<String> command = new ArrayList<>(List.of(java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")),
                SecondScheduler.class.getName(), server.endpoint().toString(), server.accessKey(), server.secretKey(), server.bucket(),
                "jvm-b", "beta", "2"));
        federations.forEach(f -> command.add(f.federation()));
        Process other = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        java.util.concurrent.CountDownLatch ready = new java.util.concurrent.CountDownLatch(1);
        Thread reader = new Thread(() -> {
            try (var in = new java.io.BufferedReader(new java.io.InputStreamReader(other.getInputStream(), java.nio.charset.StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                    if (line.equals("READY")) {
                        ready.countDown();
                    } else if (line.startsWith("RAN ")) {
                        String[] parts = line.split(" ");
                        ran.add(new Ran(parts[1], Long.parseLong(parts[2]), "jvm-b", java.time.Instant.now()));
                    }
                }
            } catch (java.io.IOException ignored) {
                // killed
            }
        }, "second-scheduler-output");
        reader.setDaemon(true);
        reader.start();
        Instance a = null;
        try {
            assertThat(ready.await(60, TimeUnit.SECONDS)).as("the second JVM started").isTrue();
            a = new Instance("jvm-a", federations, ran, null);
            Thread.sleep(9_000);
            other.destroyForcibly(); // SIGKILL: no clean-up of any kind
            assertThat(other.waitFor(10, TimeUnit.SECONDS)).isTrue();
            reader.join(5_000);
            int before = ran.size();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(40);
            Thread.sleep(7_000);
            while (ran.size() - before < 5 && System.nanoTime() < deadline) {
                Thread.sleep(200);
            }
            List<Ran> after = List.copyOf(ran.subList(before, ran.size()));
            assertThat(after).as("rounds after jvm-b was killed: %s", ran).hasSizeGreaterThanOrEqualTo(5)
                    .allSatisfy(r -> assertThat(r.owner()).isEqualTo("jvm-a"));
        } finally {
            other.destroyForcibly();
            if (a != null) {
                a.close();
            }
        }
        for (var f : federations) {
            List<Long> rounds = ran.stream().filter(r -> r.federation().equals(f.federation())).map(Ran::round).sorted().toList();
            assertThat(rounds).as("rounds of %s across two JVMs and a kill: %s", f.federation(), ran)
                    .hasSizeGreaterThanOrEqualTo(6)
                    .doesNotHaveDuplicates().isSorted(); // each round at most once; a round due while every instance stalled is not made up (RoundLease)
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
