package dev.meldtown.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The hub verbs before any service answers: what is missing from the environment is a usage error (exit 2) naming
 * the variable, a service that cannot be reached is exit 1 with one line naming its address and why, and
 * {@code --verbose} adds the causes. With a real stack they are tested in acceptance's StackTest.
 */
class HubVerbsOfflineTest {
    private static final String TOKEN = jwt("{\"tenant\":\"demo\",\"groups\":[\"admin\"]}");

    static String jwt(String claims) {
        Base64.Encoder b = Base64.getUrlEncoder().withoutPadding();
        return b.encodeToString("{\"alg\":\"RS256\"}".getBytes(StandardCharsets.UTF_8)) + "."
                + b.encodeToString(claims.getBytes(StandardCharsets.UTF_8)) + ".c2ln";
    }

    record Out(int code, String out, String err) {
    }

    static Out run(Map<String, String> env, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.commandLine(env).setOut(new PrintWriter(out)).setErr(new PrintWriter(err)).execute(args);
        return new Out(code, out.toString(), err.toString());
    }

    static int closedPort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void whatIsMissingFromTheEnvironmentIsAUsageErrorNamingIt() {
        Out noToken = run(Map.of("MELDTOWN_SYNC", "http://127.0.0.1:1"), "towns");
        assertThat(noToken.code()).isEqualTo(2);
        assertThat(noToken.err()).isEqualTo("meldtown towns: no token: set MELDTOWN_TOKEN (for the local stack: source .stack/env)\n");
        Out noSync = run(Map.of("MELDTOWN_TOKEN", TOKEN), "peers", "north");
        assertThat(noSync.code()).isEqualTo(2);
        assertThat(noSync.err()).startsWith("meldtown peers: no sync-orchestrator address: set MELDTOWN_SYNC");
        Out noTenant = run(Map.of("MELDTOWN_TOKEN", jwt("{\"sub\":\"x\"}"), "MELDTOWN_SYNC", "http://127.0.0.1:1"), "federations");
        assertThat(noTenant.code()).isEqualTo(2);
        assertThat(noTenant.err()).isEqualTo("meldtown federations: MELDTOWN_TOKEN has no tenant claim; give the tenant with --tenant\n");
        Out notJwt = run(Map.of("MELDTOWN_TOKEN", "secret", "MELDTOWN_SYNC", "http://127.0.0.1:1"), "towns");
        assertThat(notJwt.code()).isEqualTo(2);
        assertThat(notJwt.err()).contains("MELDTOWN_TOKEN is not a JWT");
        Out badUrl = run(Map.of("MELDTOWN_TOKEN", TOKEN, "MELDTOWN_SYNC", "127.0.0.1:8083"), "towns");
        assertThat(badUrl.code()).isEqualTo(2);
        assertThat(badUrl.err()).contains("MELDTOWN_SYNC must be an http:// or https:// URL, not 127.0.0.1:8083");
        Out badName = run(Map.of("MELDTOWN_TOKEN", TOKEN, "MELDTOWN_SYNC", "http://127.0.0.1:1"), "status", "North", "../x");
        assertThat(badName.code()).isEqualTo(2);
        assertThat(badName.err()).isEqualTo("meldtown status: invalid town name 'North': use [a-z0-9][a-z0-9-]{0,62}\n");
        Out badStrategy = run(Map.of("MELDTOWN_TOKEN", TOKEN, "MELDTOWN_SYNC", "http://127.0.0.1:1"), "sync", "a", "b", "--strategy", "mine");
        assertThat(badStrategy.code()).isEqualTo(2);
        assertThat(badStrategy.err()).contains("--strategy").contains("ours, theirs, manual").hasLineCount(1);
    }

    @Test
    void anUnreachableServiceIsOneLineNamingItsAddressAndTheCause() throws Exception {
        int port = closedPort();
        Map<String, String> env = Map.of("MELDTOWN_TOKEN", TOKEN, "MELDTOWN_SYNC", "http://127.0.0.1:" + port + "/");
        for (List<String> args : List.of(List.of("towns"), List.of("peers", "north"), List.of("status", "south", "north"),
                List.of("sync", "south", "north"), List.of("federations"), List.of("round", "demo"))) {
            Out o = run(env, args.toArray(String[]::new));
            assertThat(o.code()).as("%s", args).isEqualTo(1);
            assertThat(o.out()).isEmpty();
            assertThat(o.err()).isEqualTo("meldtown " + args.get(0) + ": sync-orchestrator at http://127.0.0.1:" + port
                    + " unreachable: connection refused by 127.0.0.1:" + port + "\n");
        }
        Out docs = run(Map.of("MELDTOWN_TOKEN", TOKEN, "MELDTOWN_HUB", "http://127.0.0.1:" + port), "docs");
        assertThat(docs.code()).isEqualTo(1);
        assertThat(docs.err()).isEqualTo("meldtown docs: block-store at http://127.0.0.1:" + port + " unreachable: connection refused by 127.0.0.1:" + port + "\n");
        Out noHub = run(env, "docs");
        assertThat(noHub.code()).isEqualTo(2);
        assertThat(noHub.err()).startsWith("meldtown docs: no block-store address: set MELDTOWN_HUB");
        Map<String, String> unknown = new HashMap<>(env);
        unknown.put("MELDTOWN_SYNC", "http://no-such-host.invalid:8083");
        Out o = run(unknown, "towns", "--verbose");
        assertThat(o.code()).isEqualTo(1);
        List<String> lines = o.err().lines().toList();
        assertThat(lines.get(0)).isEqualTo("meldtown towns: sync-orchestrator at http://no-such-host.invalid:8083 unreachable: unknown host no-such-host.invalid");
        assertThat(lines.subList(1, lines.size())).isNotEmpty().allMatch(l -> l.startsWith("  cause: "))
                .anyMatch(l -> l.contains("java.net.ConnectException") || l.contains("UnknownHostException"));
    }

    @Test
    void theTenantOptionOverridesTheTokensClaim() throws Exception {
        // the tenant is in the request's path: a refused connection still shows which address was asked; the
        // request itself is checked against the real service in StackTest
        Out o = run(Map.of("MELDTOWN_TOKEN", "not-a-jwt", "MELDTOWN_SYNC", "http://127.0.0.1:" + closedPort()), "towns", "--tenant", "acme");
        assertThat(o.code()).as(o.err()).isEqualTo(1);
        assertThat(o.err()).contains("unreachable: connection refused");
    }
}
