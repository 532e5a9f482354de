package dev.meldtown.sync.federation.internal;

import dev.meldtown.service.tracing.Tracing;
import io.opentelemetry.instrumentation.jdbc.datasource.JdbcTelemetry;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.Driver;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.Properties;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * One town's connections, from the MariaDB driver directly (DriverManager may hold drivers of closed class loaders),
 * instrumented by the OpenTelemetry JDBC library: every statement, every {@code CALL DOLT_*} among them, is a
 * {@code CLIENT} span of the current trace, its SQL sanitized (literals become {@code ?}, so no password reaches a
 * span).
 */
final class TracedTownDataSource implements DataSource {
    private static volatile JdbcTelemetry telemetry;
    private final Driver driver;
    private final String url;
    private final Properties props;

    private TracedTownDataSource(Driver driver, String url, Properties props) {
        this.driver = driver;
        this.url = url;
        this.props = props;
    }

    /** A connection to {@code url}, its statements traced. */
    static Connection connect(Driver driver, String url, Properties props) throws SQLException {
        return telemetry().wrap(new TracedTownDataSource(driver, url, props)).getConnection();
    }

    private static JdbcTelemetry telemetry() {
        JdbcTelemetry t = telemetry;
        if (t == null) {
            t = JdbcTelemetry.builder(Tracing.openTelemetry()).setDataSourceInstrumenterEnabled(false).build();
            telemetry = t;
        }
        return t;
    }

    @Override
    public Connection getConnection() throws SQLException {
        Connection c = driver.connect(url, props);
        if (c == null) {
            throw new SQLException("the MariaDB driver refused " + url, "08001");
        }
        return c;
    }

    @Override
    public Connection getConnection(String username, String password) {
        throw new UnsupportedOperationException("a town's credentials are fixed");
    }

    @Override
    public PrintWriter getLogWriter() {
        return null;
    }

    @Override
    public void setLogWriter(PrintWriter out) {
    }

    @Override
    public void setLoginTimeout(int seconds) {
    }

    @Override
    public int getLoginTimeout() {
        return 0;
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        throw new SQLFeatureNotSupportedException();
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        if (iface.isInstance(this)) {
            return iface.cast(this);
        }
        throw new SQLException("not a wrapper of " + iface.getName());
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) {
        return iface.isInstance(this);
    }
}
