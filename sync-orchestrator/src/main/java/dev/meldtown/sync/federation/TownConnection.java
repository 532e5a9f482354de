package dev.meldtown.sync.federation;

import java.time.Duration;
import java.util.Objects;

/**
 * How to reach one town's SQL server. The user must be allowed to call the admin-only Dolt procedures
 * ({@code DOLT_FETCH}, {@code DOLT_PUSH}, {@code DOLT_REMOTE}, ...).
 */
public record TownConnection(String host, int port, String database, String user, String password, String branch,
                             Duration connectTimeout, Duration socketTimeout) {
    public TownConnection {
        Objects.requireNonNull(host, "host");
        if (!host.matches("[A-Za-z0-9.:\\-\\[\\]]{1,253}")) {
            throw new IllegalArgumentException("invalid host '" + host + "'");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("invalid port " + port);
        }
        Names.requireDatabase(database);
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(password, "password");
        Names.requireBranch(branch);
        connectTimeout = connectTimeout == null ? Duration.ofSeconds(5) : connectTimeout;
        socketTimeout = socketTimeout == null ? Duration.ofMinutes(5) : socketTimeout;
    }

    public TownConnection(String host, int port, String database, String user, String password, String branch) {
        this(host, port, database, user, password, branch, null, null);
    }

    /** The JDBC URL (MariaDB driver, no TLS, client-side prepared statements). */
    public String jdbcUrl() {
        return "jdbc:mariadb://" + host + ":" + port + "/" + database
                + "?sslMode=disable&useServerPrepStmts=false&allowMultiQueries=false"
                + "&connectTimeout=" + connectTimeout.toMillis() + "&socketTimeout=" + socketTimeout.toMillis();
    }

    @Override
    public String toString() {
        return "TownConnection[" + user + "@" + host + ":" + port + "/" + database + " branch " + branch + "]";
    }
}
