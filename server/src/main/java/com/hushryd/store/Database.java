package com.hushryd.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.HikariPoolMXBean;
import com.zaxxer.hikari.metrics.MetricsTrackerFactory;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The PostgreSQL storage of a node: a bounded HikariCP pool, Flyway migrations and transaction helpers. Every
 * statement runs under the configured statement timeout. Blocking: call it from worker threads only.
 */
public final class Database implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Database.class);

    /** Pool settings; see {@code Setting} for their defaults. */
    public record Settings(int poolMax, int poolMin, Duration poolTimeout, Duration queryTimeout,
            String applicationName) {
    }

    private static final Duration CRITICAL_WAIT = Duration.ofSeconds(1);

    private final HikariDataSource pool;
    private final Connector connector;
    /** Bounds the direct connections opened while the pool cannot connect (see {@link #onConnection}). */
    private final Semaphore direct;
    private final AtomicBoolean refilling = new AtomicBoolean();
    /** How long a caller waits for a pooled connection in all (DB_POOL_TIMEOUT), in slices of {@link #WAIT_SLICE}. */
    private final Duration poolTimeout;
    static final Duration WAIT_SLICE = Duration.ofMillis(250);
    private final Database critical;
    private final CircuitBreaker breaker;
    /** The main pool's callers pass it (null: none); the critical pool marks its urgent transactions on it. */
    private final UrgentGate gate;
    private final boolean gated;
    /** The least wait of the connections handed out since {@link #takeQueueDelay()} last ran; MAX_VALUE: none. */
    private final AtomicLong leastWait = new AtomicLong(Long.MAX_VALUE);
    /** When each caller waiting for a connection now began to wait (one array per caller, by identity). */
    private final Set<long[]> waiters = ConcurrentHashMap.newKeySet();

    private Database(HikariDataSource pool, Duration poolTimeout, Database critical, CircuitBreaker breaker) {
        this(pool, poolTimeout, critical, breaker, null, false);
    }

    private Database(HikariDataSource pool, Duration poolTimeout, Database critical, CircuitBreaker breaker,
            UrgentGate gate, boolean gated) {
        this.gate = gate;
        this.gated = gated && gate != null;
        this.pool = pool;
        this.poolTimeout = poolTimeout;
        this.connector = (Connector) pool.getDataSource();
        this.direct = new Semaphore(pool.getMaximumPoolSize());
        this.critical = critical;
        this.breaker = breaker;
    }

    /** Opens the pool, waiting up to 30 s for the server to answer; fails with a clear message if it never does. */
    public static Database connect(DatabaseUrl url, Settings settings, MetricsTrackerFactory metrics) {
        return connect(url, settings, metrics, 0, null);
    }

    /**
     * Opens the pool and, when {@code criticalConnections > 0}, a second small pool reserved for critical work
     * ({@link #critical()}). With a {@code breaker}, calls through this pool fail at once while it is open (see
     * {@link #unavailable}); the critical pool has no breaker: SOS always tries.
     */
    public static Database connect(DatabaseUrl url, Settings settings, MetricsTrackerFactory metrics,
            int criticalConnections, CircuitBreaker breaker) {
        return connect(url, settings, metrics, criticalConnections, breaker, Integer.MAX_VALUE);
    }

    /**
     * As above; while an {@link #urgent} transaction runs on the critical pool, the main pool's callers hold at most
     * {@code urgentYield} connections at once (the others wait for it to commit, within their pool timeout); a
     * number at or above the pool's size turns this off.
     */
    public static Database connect(DatabaseUrl url, Settings settings, MetricsTrackerFactory metrics,
            int criticalConnections, CircuitBreaker breaker, int urgentYield) {
        Database critical = null;
        UrgentGate gate = criticalConnections > 0 && urgentYield < settings.poolMax() ? new UrgentGate(urgentYield)
                : null;
        if (criticalConnections > 0) {
            // critical work waits for a connection at most a second: an SOS that cannot get one has a journal
            Duration wait = settings.poolTimeout().compareTo(CRITICAL_WAIT) < 0 ? settings.poolTimeout() : CRITICAL_WAIT;
            critical = new Database(pool(url, new Settings(criticalConnections, Math.min(1, settings.poolMin()),
                    wait, settings.queryTimeout(), settings.applicationName() + "-critical"),
                    metrics, "hushryd-db-critical"), wait, null, null, gate, false);
        }
        try {
            return new Database(pool(url, settings, metrics, "hushryd-db"), settings.poolTimeout(), critical, breaker,
                    gate, true);
        } catch (RuntimeException e) {
            if (critical != null) {
                critical.close();
            }
            throw e;
        }
    }

    /**
     * Opens the pool of a read replica named {@code name} (its pool is {@code hushryd-db-<name>}) behind its own
     * {@code breaker}. Unlike the primary's, it does not wait for the server at start: a replica that is down leaves
     * rotation (the reads it would have served go to the primary) and joins it when it answers.
     */
    public static Database connectReplica(DatabaseUrl url, Settings settings, MetricsTrackerFactory metrics,
            String name, CircuitBreaker breaker) {
        return new Database(pool(url, settings, metrics, "hushryd-db-" + name, -1), settings.poolTimeout(), null,
                breaker);
    }

    private static HikariDataSource pool(DatabaseUrl url, Settings settings, MetricsTrackerFactory metrics,
            String name) {
        return pool(url, settings, metrics, name, 30_000);
    }

    private static HikariDataSource pool(DatabaseUrl url, Settings settings, MetricsTrackerFactory metrics,
            String name, long initializationFailTimeout) {
        HikariConfig hc = new HikariConfig();
        hc.setPoolName(name);
        // the URL, user and properties stay readable on the pool (the LISTEN connection copies them); connections
        // are opened by the connector, which sees why the last one failed
        hc.setJdbcUrl(url.jdbcUrl());
        if (url.user() != null) {
            hc.setUsername(url.user());
        }
        if (url.password() != null) {
            hc.setPassword(url.password());
        }
        hc.setMaximumPoolSize(settings.poolMax());
        hc.setMinimumIdle(settings.poolMin());
        // callers wait for a connection in slices (see onConnection), so that a server found gone meanwhile fails
        // them at once instead of after the whole pool timeout
        hc.setConnectionTimeout(Math.min(WAIT_SLICE.toMillis(), settings.poolTimeout().toMillis()));
        hc.setValidationTimeout(Math.min(settings.poolTimeout().toMillis(), 3000));
        hc.setInitializationFailTimeout(initializationFailTimeout);
        hc.addDataSourceProperty("ApplicationName", settings.applicationName());
        hc.addDataSourceProperty("options", "-c statement_timeout=" + settings.queryTimeout().toMillis());
        hc.addDataSourceProperty("reWriteBatchedInserts", "true");
        hc.addDataSourceProperty("connectTimeout", "10");
        hc.addDataSourceProperty("tcpKeepAlive", "true");
        Properties props = new Properties();
        props.putAll(hc.getDataSourceProperties());
        if (url.user() != null) {
            props.setProperty("user", url.user());
        }
        if (url.password() != null) {
            props.setProperty("password", url.password());
        }
        // a direct connect must not outwait the pool: a server that is gone refuses at once, a silent one times out
        props.setProperty("loginTimeout", Long.toString(Math.max(1, settings.poolTimeout().toSeconds())));
        hc.setDataSource(new Connector(url.jdbcUrl(), props));
        if (metrics != null) {
            hc.setMetricsTrackerFactory(metrics);
        }
        try {
            return new HikariDataSource(hc);
        } catch (RuntimeException e) {
            Throwable root = e;
            while (root.getCause() != null) {
                root = root.getCause();
            }
            throw new IllegalStateException("cannot connect to PostgreSQL at " + url.redacted() + ": "
                    + root.getMessage(), e);
        }
    }

    /** Applies pending migrations; safe when several nodes start at once (Flyway takes an advisory lock). */
    public MigrateResult migrate() {
        MigrateResult result = Flyway.configure()
                .dataSource(pool)
                .locations("classpath:db/migration")
                .failOnMissingLocations(true)
                .load()
                .migrate();
        log.info("database schema at version {} ({} migration(s) applied now)",
                result.targetSchemaVersion == null ? result.initialSchemaVersion : result.targetSchemaVersion,
                result.migrationsExecuted);
        return result;
    }

    /**
     * The capacity reserved for critical work (SOS, tracking): a pool of its own that normal traffic never drains, so
     * a critical write still gets a connection while every connection of the main pool is taken. Without a reserve
     * configured, this database itself.
     */
    public Database critical() {
        return critical != null ? critical : this;
    }

    /**
     * Whether a failure means the database itself is unreachable (connection refused or lost, server shutting down),
     * as opposed to a busy pool, a slow query or a refused statement: only these open the circuit breaker.
     */
    public static boolean unavailable(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof java.net.ConnectException) {
                return true;
            }
            if (t instanceof SQLException sql && sql.getSQLState() != null
                    && (sql.getSQLState().startsWith("08") || sql.getSQLState().startsWith("57P"))) {
                return true;
            }
        }
        return false;
    }

    private <T> T guarded(SqlWork<T> work, boolean transaction) throws SQLException {
        if (breaker == null) {
            return transaction ? inTransaction(work) : autoCommit(work);
        }
        // refused at once while open: CallNotPermittedException, answered 503 with Retry-After (http.Errors)
        breaker.acquirePermission();
        long start = System.nanoTime();
        try {
            T result = transaction ? inTransaction(work) : autoCommit(work);
            breaker.onSuccess(System.nanoTime() - start, TimeUnit.NANOSECONDS);
            return result;
        } catch (SQLException | RuntimeException | Error e) {
            if (unavailable(e)) {
                breaker.onError(System.nanoTime() - start, TimeUnit.NANOSECONDS, e);
            } else {
                breaker.onSuccess(System.nanoTime() - start, TimeUnit.NANOSECONDS);
            }
            throw e;
        }
    }

    /**
     * The circuit breaker's own trial call: {@link #ping(Duration)} bypassing the breaker (so failing fast while the
     * server refuses); any failure is reported as the server being unreachable (SQLState 08000).
     */
    public void ping() throws SQLException {
        try {
            ping(Duration.ofSeconds(2));
        } catch (SQLException e) {
            throw unavailable(e) ? e : new SQLException("PostgreSQL unreachable: " + e.getMessage(), "08000", e);
        }
    }

    /** Runs {@code work} in one transaction: committed if it returns, rolled back if it throws. */
    public <T> T tx(SqlWork<T> work) throws SQLException {
        return guarded(work, true);
    }

    /**
     * {@link #tx} for work that must not queue behind the rest (writing an SOS), on the critical pool: while it runs,
     * the main pool lends no more than its yield limit of connections at once (see {@link #connect}). Without a
     * gate configured, {@code tx}.
     */
    public <T> T urgent(SqlWork<T> work) throws SQLException {
        if (gate == null || gated) {
            return tx(work);
        }
        gate.urgentStarted();
        try {
            return tx(work);
        } finally {
            gate.urgentEnded();
        }
    }

    private <T> T inTransaction(SqlWork<T> work) throws SQLException {
        return onConnection(c -> {
            c.setAutoCommit(false);
            try {
                T result = work.run(c);
                c.commit();
                return result;
            } catch (SQLException | RuntimeException | Error e) {
                try {
                    c.rollback();
                } catch (SQLException rollbackFailure) {
                    e.addSuppressed(rollbackFailure);
                }
                throw e;
            }
        });
    }

    /** Runs {@code work} on a connection in auto-commit mode (each statement on its own). */
    public <T> T read(SqlWork<T> work) throws SQLException {
        return guarded(work, false);
    }

    private <T> T autoCommit(SqlWork<T> work) throws SQLException {
        return onConnection(work);
    }

    /**
     * Runs {@code work} on a pooled connection, or, while the pool's last attempt to connect found no server, on a
     * direct connection: that fails at once while the server refuses (instead of queueing for the pool timeout) and
     * works as soon as it is back (instead of waiting for the pool's next try, up to 5 s later). Direct connections
     * are bounded by the pool size; past that, callers queue on the pool as usual.
     */
    private <T> T onConnection(SqlWork<T> work) throws SQLException {
        long[] waiter = {System.nanoTime()};
        long deadline = waiter[0] + poolTimeout.toNanos();
        waiters.add(waiter);
        boolean passed = false;
        try {
            if (gated) {
                gate.enter(deadline, pool.getPoolName());
                passed = true;
            }
            while (true) {
                if (connector.poolFailing() && direct.tryAcquire()) {
                    try (Connection c = connector.direct()) {
                        handedOut(waiter);
                        refill();
                        return work.run(c);
                    } finally {
                        direct.release();
                    }
                }
                Connection pooled;
                try {
                    pooled = pool.getConnection();
                } catch (SQLTransientConnectionException slice) {
                    // one slice of the wait is over: go on waiting unless the server is now known to be gone (then
                    // the direct connection above fails at once) or the pool timeout is spent
                    if (System.nanoTime() - deadline >= 0) {
                        throw slice;
                    }
                    continue;
                }
                handedOut(waiter);
                try (Connection c = pooled) {
                    return work.run(c);
                }
            }
        } finally {
            waiters.remove(waiter);
            if (passed) {
                gate.exit();
            }
        }
    }

    private void handedOut(long[] waiter) {
        waiters.remove(waiter);
        leastWait.accumulateAndGet(System.nanoTime() - waiter[0], Math::min);
    }

    /**
     * The queueing delay of this pool since the previous call (CoDel's sojourn time): the least time a connection
     * handed out meanwhile waited for it, as a standing queue makes even the luckiest caller wait; when none was
     * handed out, how long the oldest caller still waiting has waited (a pool all held by slow work), else zero.
     * Callers who gave up (pool timeout, server down) are not counted: those fail as before, with their own 503s.
     */
    public Duration takeQueueDelay() {
        long least = leastWait.getAndSet(Long.MAX_VALUE);
        if (least != Long.MAX_VALUE) {
            return Duration.ofNanos(least);
        }
        long now = System.nanoTime();
        long oldest = 0;
        for (long[] w : waiters) {
            oldest = Math.max(oldest, now - w[0]);
        }
        return Duration.ofNanos(oldest);
    }

    /** The server answers again: one background borrow makes the pool connect now rather than after its backoff. */
    private void refill() {
        if (!refilling.compareAndSet(false, true)) {
            return;
        }
        Thread t = new Thread(() -> {
            try (Connection c = pool.getConnection()) {
                log.debug("{}: connected again", pool.getPoolName());
            } catch (SQLException | RuntimeException e) {
                log.debug("{}: not connected yet: {}", pool.getPoolName(), e.toString());
            } finally {
                refilling.set(false);
            }
        }, pool.getPoolName() + "-refill");
        t.setDaemon(true);
        t.start();
    }

    /** Fails unless the server answers a trivial query within {@code timeout}. */
    public void ping(Duration timeout) throws SQLException {
        onConnection(c -> {
            try (Statement st = c.createStatement()) {
                st.setQueryTimeout((int) Math.max(1, timeout.toSeconds()));
                st.execute("SELECT 1");
            }
            return null;
        });
    }

    public PoolStats poolStats() {
        HikariPoolMXBean mx = pool.getHikariPoolMXBean();
        if (mx == null) {
            return new PoolStats(0, 0, 0, 0, pool.getMaximumPoolSize());
        }
        return new PoolStats(mx.getActiveConnections(), mx.getIdleConnections(), mx.getThreadsAwaitingConnection(),
                mx.getTotalConnections(), pool.getMaximumPoolSize());
    }

    public DataSource dataSource() {
        return pool;
    }

    /** The main pool's circuit breaker, or null. */
    public CircuitBreaker breaker() {
        return breaker;
    }

    @Override
    public void close() {
        pool.close();
        if (critical != null) {
            critical.close();
        }
    }
}
