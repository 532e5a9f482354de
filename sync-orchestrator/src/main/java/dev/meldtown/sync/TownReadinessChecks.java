package dev.meldtown.sync;

import io.smallrye.health.api.HealthRegistry;
import io.smallrye.health.api.Wellness;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;
import jakarta.inject.Inject;

/** One readiness check per configured town: a real login and {@code SELECT active_branch()} on its database. */
@ApplicationScoped
public class TownReadinessChecks {
    @Inject
    TownsConfig config;

    @Inject
    @Readiness
    HealthRegistry readiness;

    void register(@Observes StartupEvent ignored) {
        config.towns().forEach((name, town) -> readiness.register("town-" + name, () -> check(name, town)));
    }

    static HealthCheckResponse check(String name, TownsConfig.Town town) {
        var response = HealthCheckResponse.named("town " + name).withData("sql", town.host() + ":" + town.port() + "/" + town.database());
        try (Connection c = connect(town);
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT active_branch()")) {
            rs.next();
            return response.up().withData("branch", String.valueOf(rs.getString(1))).build();
        } catch (Exception e) {
            return response.down().withData("error", String.valueOf(e.getMessage())).build();
        }
    }

    /** Uses the driver class directly: DriverManager keeps drivers from other (test) class loaders. */
    static Connection connect(TownsConfig.Town town) throws java.sql.SQLException {
        var props = new java.util.Properties();
        props.setProperty("user", town.user());
        props.setProperty("password", town.password());
        return new org.mariadb.jdbc.Driver().connect(town.jdbcUrl(), props);
    }
}
