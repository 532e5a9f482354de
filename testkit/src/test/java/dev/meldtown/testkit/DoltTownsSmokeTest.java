package dev.meldtown.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.meldtown.testkit.junit.DoltTownsExtension;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class DoltTownsSmokeTest {
    @RegisterExtension
    static DoltTownsExtension towns = new DoltTownsExtension("north", "south");

    @Test
    void townsShareHistoryAndFetchOverRemotesApiWithUser() throws Exception {
        DoltTown north = towns.town("north");
        DoltTown south = towns.town("south");
        assertThat(head(north)).isEqualTo(head(south));

        try (Connection c = south.connect(); Statement s = c.createStatement()) {
            s.execute("INSERT INTO issues (id, title) VALUES ('bd-south-1', 'made in south')");
            s.execute("CALL DOLT_COMMIT('-Am', 'south adds an issue')");
        }
        try (Connection c = north.connect(); Statement s = c.createStatement()) {
            s.execute("CALL DOLT_REMOTE('add', 'south', '" + south.remotesApiUrl() + "')");
            s.execute("CALL DOLT_FETCH('--user', '" + north.remoteUser() + "', 'south')");
            try (ResultSet rs = s.executeQuery("SELECT commits_ahead, commits_behind FROM dolt_branch_status('main', 'remotes/south/main')")) {
                assertThat(rs.next()).isTrue();
                // remotes/south/main is one commit ahead of north's main
                assertThat(rs.getInt(1)).isEqualTo(1);
                assertThat(rs.getInt(2)).isZero();
            }
            s.execute("CALL DOLT_MERGE('south/main')");
            try (ResultSet rs = s.executeQuery("SELECT title FROM issues WHERE id = 'bd-south-1'")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualTo("made in south");
            }
        }
        assertThat(head(north)).isEqualTo(head(south));
    }

    @Test
    void fetchWithAWrongPasswordFailsWithAnAuthenticationError() throws Exception {
        DoltTown north = towns.town("north");
        DoltTown south = towns.town("south");
        // north's server transfers with its own DOLT_REMOTE_PASSWORD; a user whose password differs is refused.
        try (Connection c = south.connect(); Statement s = c.createStatement()) {
            s.execute("CREATE USER 'other'@'%' IDENTIFIED BY 'a-different-password'");
            s.execute("GRANT CLONE_ADMIN ON *.* TO 'other'@'%'");
        }
        try (Connection c = north.connect(); Statement s = c.createStatement()) {
            s.execute("CALL DOLT_REMOTE('add', 'south2', '" + south.remotesApiUrl() + "')");
            assertThatThrownBy(() -> s.execute("CALL DOLT_FETCH('--user', 'other', 'south2')"))
                    .isInstanceOf(SQLException.class)
                    .hasMessageContaining("Unauthenticated");
        }
    }

    @Test
    void aStoppedTownRefusesConnectionsAndComesBackWithItsData() throws Exception {
        DoltTown south = towns.town("south");
        String before = head(south);
        south.stop();
        assertThat(Ports.listening(south.sqlPort())).isFalse();
        assertThatThrownBy(south::connect).isInstanceOf(SQLException.class);
        south.start();
        assertThat(head(south)).isEqualTo(before);
    }

    private static String head(DoltTown town) throws SQLException {
        try (Connection c = town.connect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT HASHOF('main')")) {
            rs.next();
            return rs.getString(1);
        }
    }
}
