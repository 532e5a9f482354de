package dev.meldtown.sync.service.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The allow-list of server-side targets: schemes, exact hosts and {@code *.suffix} patterns, and URL tricks. */
class TargetRulesTest {
    private final TargetRules rules = new TargetRules(List.of("127.0.0.1", "localhost", "::1", "*.svc.cluster.local", " "));

    @Test
    void hostsMatchExactlyOrBySuffix() {
        assertThat(rules.allowsHost("127.0.0.1")).isTrue();
        assertThat(rules.allowsHost("LOCALHOST")).isTrue();
        assertThat(rules.allowsHost("[::1]")).isTrue();
        assertThat(rules.allowsHost("north.towns.svc.cluster.local")).isTrue();
        assertThat(rules.allowsHost("svc.cluster.local")).isFalse();
        assertThat(rules.allowsHost("evil-svc.cluster.local")).isFalse();
        assertThat(rules.allowsHost("127.0.0.1.evil.example")).isFalse();
        assertThat(rules.allowsHost("10.0.0.1")).isFalse();
        assertThat(rules.allowsHost("")).isFalse();
        assertThat(rules.allowsHost(null)).isFalse();
        assertThat(new TargetRules(List.of("*")).allowsHost("anything.example")).isTrue();
    }

    @Test
    void onlyHttpRemotesApiUrlsOnAllowedHostsPass() {
        rules.requireRemotesApiUrl("url", "http://127.0.0.1:50051/beads");
        rules.requireRemotesApiUrl("url", "https://north.towns.svc.cluster.local/beads");
        for (String bad : List.of("file:///tmp/x", "FILE:///tmp/x", "ftp://127.0.0.1/beads", "jar:http://127.0.0.1/x", "beads",
                "//127.0.0.1/beads")) {
            assertThatThrownBy(() -> rules.requireRemotesApiUrl("url", bad)).as(bad)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("http(s) remotesapi URL");
        }
        for (String bad : List.of("http://127.0.0.1@evil.example/beads", "http://evil.example#@127.0.0.1/beads",
                "http://127.0.0.1:1/beads?x=1")) {
            assertThatThrownBy(() -> rules.requireRemotesApiUrl("url", bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
        assertThatThrownBy(() -> rules.requireRemotesApiUrl("url", "http://169.254.169.254/beads"))
                .hasMessageContaining("meldtown.sync-targets.allowed-hosts");
        assertThatThrownBy(() -> rules.requireSqlHost("10.0.0.1")).hasMessageContaining("meldtown.sync-targets.allowed-hosts");
    }
}
