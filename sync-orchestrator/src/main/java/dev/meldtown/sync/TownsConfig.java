package dev.meldtown.sync;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.util.Map;
import java.util.Optional;

/** Towns known from configuration (the local stack's north and south); readiness checks each one's SQL server. */
@ConfigMapping(prefix = "meldtown.sync")
public interface TownsConfig {
    Map<String, Town> towns();

    interface Town {
        String host();

        int port();

        @WithDefault("beads")
        String database();

        String user();

        String password();

        Optional<String> remotesApiUrl();

        Optional<String> remoteUser();

        default String jdbcUrl() {
            return "jdbc:mariadb://" + host() + ":" + port() + "/" + database() + "?useSsl=false&connectTimeout=3000&socketTimeout=5000";
        }
    }
}
