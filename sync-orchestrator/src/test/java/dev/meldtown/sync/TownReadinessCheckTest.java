package dev.meldtown.sync;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meldtown.testkit.DoltTown;
import dev.meldtown.testkit.Ports;
import dev.meldtown.testkit.junit.DoltTownsExtension;
import java.util.Optional;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class TownReadinessCheckTest {
    @RegisterExtension
    static DoltTownsExtension towns = new DoltTownsExtension("north");

    record Town(String host, int port, String database, String user, String password) implements TownsConfig.Town {
        @Override
        public Optional<String> remotesApiUrl() {
            return Optional.empty();
        }

        @Override
        public Optional<String> remoteUser() {
            return Optional.empty();
        }
    }

    @Test
    void upForALiveTownAndDownForAWrongPasswordOrAStoppedServer() {
        DoltTown north = towns.town("north");
        var good = new Town(north.sqlHost(), north.sqlPort(), north.database(), north.sqlUser(), north.sqlPassword());
        var up = TownReadinessChecks.check("north", good);
        assertThat(up.getStatus()).as(String.valueOf(up.getData())).isEqualTo(HealthCheckResponse.Status.UP);
        assertThat(TownReadinessChecks.check("north", good).getData().orElseThrow()).containsEntry("branch", "main");

        var wrongPassword = new Town(north.sqlHost(), north.sqlPort(), north.database(), north.sqlUser(), "nope");
        assertThat(TownReadinessChecks.check("north", wrongPassword).getStatus()).isEqualTo(HealthCheckResponse.Status.DOWN);

        var nobody = new Town("127.0.0.1", Ports.free(), "beads", "meldtown", "x");
        assertThat(TownReadinessChecks.check("gone", nobody).getStatus()).isEqualTo(HealthCheckResponse.Status.DOWN);
    }
}
