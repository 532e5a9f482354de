package dev.meldtown.sync.federation.internal;

import dev.meldtown.sync.federation.ErrorCategory;
import dev.meldtown.sync.federation.FederationException;
import dev.meldtown.sync.federation.TownConnection;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * One dedicated JDBC connection for one operation. Dolt procedures change session state (checked-out
 * branch, merge state, session variables), so an operation never spreads over several connections and the
 * connection is never shared or pooled: {@link #close()} restores what the operation changed and then
 * discards the connection.
 */
public final class Session implements AutoCloseable {
    private final Connection connection;
    private String lock;
    private Map<String, Object> savedVariables;
    private Boolean savedAutoCommit;

    private Session(Connection connection) {
        this.connection = connection;
    }

    /** Opens a new connection (the driver directly: DriverManager may hold drivers of closed class loaders). */
    public static Session open(TownConnection town) {
        Properties props = new Properties();
        props.setProperty("user", town.user());
        props.setProperty("password", town.password());
        try {
            org.mariadb.jdbc.Driver driver = new org.mariadb.jdbc.Driver();
            if (!driver.acceptsURL(town.jdbcUrl())) {
                throw new FederationException(ErrorCategory.INTERNAL, "the MariaDB driver refused " + town.jdbcUrl());
            }
            return new Session(TracedTownDataSource.connect(driver, town.jdbcUrl(), props)); // every statement a span
        } catch (SQLException e) {
            // whatever answered (nothing, another protocol, a refused login): the town cannot be used
            ErrorCategory category = Errors.classifyTown(e) == ErrorCategory.AUTH ? ErrorCategory.AUTH : ErrorCategory.TRANSPORT;
            String what = category == ErrorCategory.AUTH ? "town SQL server refused the login" : "town SQL server unreachable";
            throw new FederationException(category, what + " (" + town.host() + ":" + town.port() + "): " + Errors.message(e), e);
        }
    }

    public Connection connection() {
        return connection;
    }

    /** Takes the server-wide named lock {@code name} (one sync per town, also across orchestrator instances). */
    public boolean lock(String name, Duration timeout) throws SQLException {
        Object got = scalar("SELECT GET_LOCK(?, ?)", name, Math.max(0, timeout.toSeconds()));
        if (got != null && ((Number) got).intValue() == 1) {
            lock = name;
            return true;
        }
        return false;
    }

    /** Switches to conflict-tolerant settings for a merge; {@link #endMerge()} (or close) puts them back. */
    public void beginMerge() throws SQLException {
        if (savedVariables == null) {
            savedVariables = new LinkedHashMap<>();
            savedVariables.put("dolt_allow_commit_conflicts", scalar("SELECT @@dolt_allow_commit_conflicts"));
            savedVariables.put("dolt_force_transaction_commit", scalar("SELECT @@dolt_force_transaction_commit"));
            savedAutoCommit = connection.getAutoCommit();
        }
        connection.setAutoCommit(false);
        execute("SET @@dolt_allow_commit_conflicts = 1");
        execute("SET @@dolt_force_transaction_commit = 1");
    }

    public void endMerge() throws SQLException {
        if (savedVariables != null) {
            if (!connection.getAutoCommit()) {
                connection.rollback();
            }
            connection.setAutoCommit(savedAutoCommit);
            for (var e : savedVariables.entrySet()) {
                // names are the two constants above, never input
                execute("SET @@" + e.getKey() + " = ?", e.getValue());
            }
            savedVariables = null;
        }
    }

    public void commit() throws SQLException {
        if (!connection.getAutoCommit()) {
            connection.commit();
        }
    }

    public void rollback() throws SQLException {
        if (!connection.getAutoCommit()) {
            connection.rollback();
        }
    }

    public void execute(String sql, Object... args) throws SQLException {
        try (PreparedStatement ps = prepare(sql, args)) {
            ps.execute();
        }
    }

    /** The first row (column label to value), or an empty map. */
    public Map<String, Object> row(String sql, Object... args) throws SQLException {
        List<Map<String, Object>> rows = rows(sql, args);
        return rows.isEmpty() ? Map.of() : rows.get(0);
    }

    public List<Map<String, Object>> rows(String sql, Object... args) throws SQLException {
        try (PreparedStatement ps = prepare(sql, args)) {
            boolean hasResult = ps.execute();
            List<Map<String, Object>> out = new ArrayList<>();
            if (!hasResult) {
                return out;
            }
            try (ResultSet rs = ps.getResultSet()) {
                ResultSetMetaData md = rs.getMetaData();
                while (rs.next()) {
                    Map<String, Object> row = new LinkedHashMap<>();
                    for (int i = 1; i <= md.getColumnCount(); i++) {
                        row.put(md.getColumnLabel(i), rs.getObject(i));
                    }
                    out.add(row);
                }
            }
            return out;
        }
    }

    public Object scalar(String sql, Object... args) throws SQLException {
        try (PreparedStatement ps = prepare(sql, args); ResultSet rs = ps.executeQuery()) {
            return rs.next() ? rs.getObject(1) : null;
        }
    }

    public String string(String sql, Object... args) throws SQLException {
        Object v = scalar(sql, args);
        return v == null ? null : v.toString();
    }

    public long count(String sql, Object... args) throws SQLException {
        Object v = scalar(sql, args);
        return v == null ? 0 : ((Number) v).longValue();
    }

    public boolean exists(String sql, Object... args) throws SQLException {
        try (PreparedStatement ps = prepare(sql, args); ResultSet rs = ps.executeQuery()) {
            return rs.next();
        }
    }

    private PreparedStatement prepare(String sql, Object... args) throws SQLException {
        PreparedStatement ps = connection.prepareStatement(sql);
        for (int i = 0; i < args.length; i++) {
            ps.setObject(i + 1, args[i]);
        }
        return ps;
    }

    /** Restores session variables and autocommit, releases the lock, and discards the connection. */
    @Override
    public void close() {
        try {
            endMerge();
        } catch (SQLException ignored) {
            // the connection is discarded below either way
        }
        if (lock != null) {
            try {
                scalar("SELECT RELEASE_LOCK(?)", lock);
            } catch (SQLException ignored) {
                // closing the session releases it too
            }
        }
        try {
            connection.close();
        } catch (SQLException ignored) {
            // nothing left to do with a broken connection
        }
    }
}
