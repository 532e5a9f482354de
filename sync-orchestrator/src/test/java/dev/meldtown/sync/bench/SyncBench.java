package dev.meldtown.sync.bench;

import dev.meldtown.events.Payloads;
import dev.meldtown.sync.federation.TownSync;
import dev.meldtown.sync.federation.FederationRound;
import dev.meldtown.sync.federation.Peer;
import dev.meldtown.sync.federation.SyncStrategy;
import dev.meldtown.sync.federation.Topology;
import dev.meldtown.sync.federation.TownConnection;
import dev.meldtown.testkit.DoltTown;
import dev.meldtown.testkit.DoltTowns;
import dev.meldtown.testkit.Tools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * Benchmark (issue 4): the orchestrator engine's {@code sync} of a peer versus the raw {@code dolt} CLI doing
 * fetch + merge + push through the same town's sql-server, on the same two towns, alternating, plus mesh rounds
 * over five towns. A third method runs the CLI's three {@code CALL}s over one fresh JDBC connection: the CLI's own
 * process start-up is not in it, so it isolates what the engine adds (lock, checks, counts, ledger). Run with {@code sync-orchestrator/bench/run.sh [iterations] [meshRounds]}; not a unit test.
 *
 * <p>Scenarios, each prepared outside the timer: {@code ff} — the peer has one new commit (fast-forward merge,
 * nothing to push); {@code diverged} — the peer has one new commit and the town one of its own (merge commit,
 * two commits pushed).
 */
public final class SyncBench {
    private static final String[] TOWNS = {"a", "b", "c", "d", "e"};
    private static final String[] METHODS = {"orchestrator engine `sync`", "`dolt sql -q` CLI: fetch+merge+push",
        "same 3 CALLs over one JDBC connection"};
    private static int ids;

    private SyncBench() {
    }

    public static void main(String[] args) throws Exception {
        int iterations = args.length > 0 ? Integer.parseInt(args[0]) : 15;
        int meshRounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        int warmup = 3;
        System.out.printf("starting %d dolt sql-server towns ...%n", TOWNS.length);
        try (DoltTowns towns = DoltTowns.start(TOWNS)) {
            for (String town : TOWNS) {
                for (String other : TOWNS) {
                    if (!town.equals(other)) {
                        engine(towns, town).addRemote(other, towns.get(other).remotesApiUrl());
                    }
                }
            }
            TownSync a = engine(towns, "a");
            Peer b = peer(towns, "b");
            DoltTown townA = towns.get("a");
            String cliSql = "CALL DOLT_FETCH('--user', 'fed', 'b', 'main'); CALL DOLT_MERGE('b/main'); "
                    + "CALL DOLT_PUSH('--user', 'fed', 'b', 'main');";

            List<String> table = new ArrayList<>();
            table.add("| scenario | method | n | median ms | p90 ms | min ms |");
            table.add("|---|---|---|---|---|---|");
            List<String> ratios = new ArrayList<>();
            for (boolean diverged : new boolean[] {false, true}) {
                String scenario = diverged ? "diverged (1 commit each side: merge commit, push 2)" : "ff (peer has 1 new commit)";
                List<List<Double>> ms = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
                for (int i = 0; i < warmup + iterations; i++) {
                    for (int k = 0; k < METHODS.length; k++) {
                        int method = (i + k) % METHODS.length; // rotate which method goes first
                        commitInsert(towns, "b");
                        if (diverged) {
                            commitInsert(towns, "a");
                        }
                        long t0 = System.nanoTime();
                        switch (method) {
                            case 0 -> {
                                Payloads.SyncResult r = a.sync(b, SyncStrategy.MANUAL);
                                if (r.error() != null || r.pushError() != null || r.pulledCommits() != 1
                                        || r.pushedCommits() != (diverged ? 2 : 0)) {
                                    throw new IllegalStateException("engine sync failed: " + r);
                                }
                            }
                            case 1 -> townA.dolt(townA.dir(), "--host", townA.sqlHost(), "--port", String.valueOf(townA.sqlPort()),
                                    "--user", townA.sqlUser(), "--password", townA.sqlPassword(), "--no-tls",
                                    "--use-db", townA.database(), "sql", "-q", cliSql);
                            default -> {
                                try (Connection c = townA.connect(); Statement st = c.createStatement()) {
                                    for (String call : cliSql.split(";")) {
                                        if (!call.isBlank()) {
                                            st.execute(call);
                                        }
                                    }
                                }
                            }
                        }
                        double elapsed = (System.nanoTime() - t0) / 1e6;
                        if (!head(towns, "a").equals(head(towns, "b"))) {
                            throw new IllegalStateException(METHODS[method] + " left a and b apart");
                        }
                        if (i >= warmup) {
                            ms.get(method).add(elapsed);
                        }
                    }
                }
                for (int m = 0; m < METHODS.length; m++) {
                    table.add(row(scenario, METHODS[m], ms.get(m)));
                }
                List<Double> engineMs = ms.get(0);
                List<Double> cliMs = ms.get(1);
                ratios.add(String.format(Locale.ROOT, "%s: engine/JDBC-CALLs median ratio %.2f×, p90 ratio %.2f×", scenario,
                        percentile(engineMs, 50) / percentile(ms.get(2), 50), percentile(engineMs, 90) / percentile(ms.get(2), 90)));
                ratios.add(String.format(Locale.ROOT, "%s: engine/CLI median ratio %.2f×, p90 ratio %.2f×", scenario,
                        percentile(engineMs, 50) / percentile(cliMs, 50), percentile(engineMs, 90) / percentile(cliMs, 90)));
            }

            List<FederationRound.Member> members = new ArrayList<>();
            for (String town : TOWNS) {
                members.add(new FederationRound.Member(engine(towns, town), peer(towns, town)));
            }
            List<Double> meshMs = new ArrayList<>();
            for (int r = 0; r < meshRounds; r++) {
                for (String town : TOWNS) {
                    commitInsert(towns, town);
                }
                long t0 = System.nanoTime();
                List<Payloads.SyncResult> results = FederationRound.run(members, Topology.MESH, SyncStrategy.MANUAL);
                meshMs.add((System.nanoTime() - t0) / 1e6);
                for (var res : results) {
                    if (res.error() != null || res.pushError() != null) {
                        throw new IllegalStateException("mesh sync failed: " + res);
                    }
                }
                String h = head(towns, "a");
                for (String town : TOWNS) {
                    if (!h.equals(head(towns, town))) {
                        throw new IllegalStateException("mesh round did not converge at " + town);
                    }
                }
            }

            System.out.println();
            System.out.println(machine(iterations, warmup));
            System.out.println();
            table.forEach(System.out::println);
            System.out.println();
            ratios.forEach(r -> System.out.println("- " + r));
            System.out.printf(Locale.ROOT, "- mesh round over 5 towns (20 syncs, one new commit per town, converged): "
                    + "median %.0f ms, min %.0f ms, max %.0f ms over %d rounds%n",
                    percentile(meshMs, 50), Collections.min(meshMs), Collections.max(meshMs), meshMs.size());
        }
    }

    private static String row(String scenario, String method, List<Double> ms) {
        return String.format(Locale.ROOT, "| %s | %s | %d | %.1f | %.1f | %.1f |", scenario, method, ms.size(),
                percentile(ms, 50), percentile(ms, 90), Collections.min(ms));
    }

    /** Nearest-rank percentile (the median of an even count is the mean of the two middle values). */
    static double percentile(List<Double> values, int p) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int n = sorted.size();
        if (p == 50) {
            return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
        }
        int rank = (int) Math.ceil(p / 100.0 * n);
        return sorted.get(Math.max(0, rank - 1));
    }

    private static String machine(int iterations, int warmup) {
        String cpu = "unknown CPU";
        try {
            cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .findFirst().map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse(cpu);
        } catch (Exception ignored) {
            // not Linux
        }
        return String.format(Locale.ROOT, "%s, %d cores visible, Java %s, %s, %s; %d measured iterations per method "
                        + "after %d warm-up, methods rotating; all towns on 127.0.0.1",
                java.time.LocalDate.now(), Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"),
                cpu, doltVersion(), iterations, warmup);
    }

    private static String doltVersion() {
        var r = dev.meldtown.testkit.Processes.exec(new ProcessBuilder(Tools.dolt().toString(), "version")
                .redirectErrorStream(true), java.time.Duration.ofSeconds(30));
        return r.stdout().lines().filter(l -> l.startsWith("dolt version")).findFirst().orElse("dolt ?").trim();
    }

    private static TownSync engine(DoltTowns towns, String name) {
        DoltTown t = towns.get(name);
        return new TownSync("bench", name, new TownConnection(t.sqlHost(), t.sqlPort(), t.database(), t.sqlUser(),
                t.sqlPassword(), "main"));
    }

    private static Peer peer(DoltTowns towns, String name) {
        DoltTown t = towns.get(name);
        return new Peer(name, t.remotesApiUrl(), t.remoteUser());
    }

    private static void commitInsert(DoltTowns towns, String town) throws SQLException {
        towns.get(town).commitIssue("bench-" + town + "-" + (++ids), "made in " + town);
    }

    private static String head(DoltTowns towns, String town) throws SQLException {
        return towns.get(town).head();
    }
}
