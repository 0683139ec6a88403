package com.hushryd.store;

import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.Properties;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * Opens connections to one PostgreSQL server, for the pool and directly, and remembers whether the pool's last attempt
 * failed because the server is unreachable. HikariCP retries a failed connect on a backoff of up to 5 s and lets its
 * callers wait the whole pool timeout meanwhile; {@link Database} reads {@link #poolFailing()} to connect directly
 * instead, which fails at once while the server refuses and succeeds as soon as it is back. Thread-safe.
 */
final class Connector implements DataSource {
    private final String jdbcUrl;
    private final Properties properties;
    private volatile boolean poolFailing;

    Connector(String jdbcUrl, Properties properties) {
        this.jdbcUrl = jdbcUrl;
        this.properties = properties;
    }

    /** The pool's connect: records whether it failed for want of a server. */
    @Override
    public Connection getConnection() throws SQLException {
        try {
            Connection c = DriverManager.getConnection(jdbcUrl, properties);
            poolFailing = false;
            return c;
        } catch (SQLException e) {
            if (Database.unavailable(e)) {
                poolFailing = true;
            }
            throw e;
        }
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        return getConnection();
    }

    /** A connection outside the pool, with the pool's settings; the caller closes it. */
    Connection direct() throws SQLException {
        return DriverManager.getConnection(jdbcUrl, properties);
    }

    /** Whether the pool's last attempt to connect found no server (and none has succeeded since). */
    boolean poolFailing() {
        return poolFailing;
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
    public <T> T unwrap(Class<T> type) throws SQLException {
        if (type.isInstance(this)) {
            return type.cast(this);
        }
        throw new SQLException("not a wrapper of " + type.getName());
    }

    @Override
    public boolean isWrapperFor(Class<?> type) {
        return type.isInstance(this);
    }
}
