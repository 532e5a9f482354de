package dev.meldtown.sync;

import io.smallrye.health.api.HealthRegistry;
import io.smallrye.health.api.Wellness;
import dev.meldtown.service.CachedProbe;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;
import jakarta.inject.Inject;

/**
 * One readiness check per configured town: a real login and {@code SELECT active_branch()} on its database, run in the
 * background every 2 s ({@link CachedProbe}), so a health request answers within 2 s even when a town is paused.
 */
@ApplicationScoped
public class TownReadinessChecks {
    @Inject
    TownsConfig config;

    @Inject
    @Readiness
    HealthRegistry readiness;

    private final java.util.List<CachedProbe> probes = new java.util.concurrent.CopyOnWriteArrayList<>();

    void register(@Observes StartupEvent ignored) {
        config.towns().forEach((name, town) -> {
            CachedProbe probe = new CachedProbe("town " + name, () -> probe(town), Duration.ofSeconds(2), Duration.ofMillis(1800));
            probes.add(probe);
            readiness.register("town-" + name, probe::response);
        });
    }

    void stop(@Observes ShutdownEvent ignored) {
        probes.forEach(CachedProbe::close);
    }

    /** The probe's check: data for UP, an exception (its message) for DOWN. */
    static Map<String, Object> probe(TownsConfig.Town town) throws java.sql.SQLException {
        try (Connection c = connect(town);
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT active_branch()")) {
            rs.next();
            Map<String, Object> data = new LinkedHashMap<>();
            data.put("sql", town.host() + ":" + town.port() + "/" + town.database());
            data.put("branch", String.valueOf(rs.getString(1)));
            return data;
        }
    }

    /** One check now (the probe's check as a health response). */
    static HealthCheckResponse check(String name, TownsConfig.Town town) {
        var response = HealthCheckResponse.named("town " + name);
        try {
            probe(town).forEach((k, v) -> response.withData(k, String.valueOf(v)));
            return response.up().build();
        } catch (Exception e) {
            return response.down().withData("sql", town.host() + ":" + town.port() + "/" + town.database())
                    .withData("error", String.valueOf(e.getMessage())).build();
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
