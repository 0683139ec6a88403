package com.hushryd.store;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real PostgreSQL (binaries from Maven) whose data directory persists under {@code DATA_DIR/postgres}, so a restart
 * keeps every row. Runs with fsync and synchronous commit on: a committed transaction survives a crash of the node.
 * If its postmaster dies (killed, OOM), a watchdog starts it again on the same port within seconds (decision 0045);
 * it recovers from its WAL, and pools and listeners reconnect by themselves.
 */
public final class EmbeddedPostgresServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EmbeddedPostgresServer.class);
    static final String DATABASE = "hushryd";
    private static final String SUPERUSER = "postgres";
    /** How often the watchdog looks at the postmaster, and waits between restart attempts. */
    static final Duration WATCH_EVERY = Duration.ofSeconds(1);

    private final Path directory;
    private final int port;
    private volatile EmbeddedPostgres postgres;
    private volatile long postmasterPid;
    private volatile boolean closed;
    private Thread watchdog;
    private final java.util.concurrent.atomic.AtomicInteger restarts = new java.util.concurrent.atomic.AtomicInteger();

    private EmbeddedPostgresServer(EmbeddedPostgres postgres, Path directory) {
        this.postgres = postgres;
        this.directory = directory;
        this.port = postgres.getPort();
        this.postmasterPid = postmasterPid(directory);
    }

    /**
     * Starts PostgreSQL on {@code dataDir/postgres}, creating it on first use. The caller must hold the
     * {@link DataDirLock} of {@code dataDir}: a PostgreSQL still running there is then an orphan of a killed node and
     * is stopped first.
     */
    public static EmbeddedPostgresServer start(Path dataDir) throws IOException {
        Path pgData = dataDir.resolve("postgres");
        Files.createDirectories(pgData);
        stopOrphan(pgData);
        boolean fresh = !Files.exists(pgData.resolve("PG_VERSION"));
        if (fresh) {
            log.info("initialising embedded PostgreSQL data directory {} (first start)", pgData);
        }
        EmbeddedPostgres pg = launch(pgData, 0, Duration.ofSeconds(60));
        EmbeddedPostgresServer server = new EmbeddedPostgresServer(pg, pgData);
        try {
            server.ensureDatabase();
        } catch (SQLException e) {
            server.close();
            throw new IOException("embedded PostgreSQL started but the database could not be created: "
                    + e.getMessage(), e);
        }
        return server;
    }

    /** Starts the postmaster; {@code port} 0 picks a free one. */
    private static EmbeddedPostgres launch(Path pgData, int port, Duration startupWait) throws IOException {
        EmbeddedPostgres.Builder b = EmbeddedPostgres.builder()
                .setDataDirectory(pgData)
                .setCleanDataDirectory(false)
                .setRegisterShutdownHook(false)
                .setPGStartupWait(startupWait)
                .setServerConfig("fsync", "on")
                .setServerConfig("synchronous_commit", "on")
                .setServerConfig("full_page_writes", "on")
                .setServerConfig("max_connections", "200")
                .setServerConfig("listen_addresses", "127.0.0.1");
        if (port > 0) {
            b.setPort(port);
        }
        return b.start();
    }

    /**
     * Watches the postmaster from now on: if it dies, it is started again on the same data directory and port, every
     * {@link #WATCH_EVERY} until that works. A restart is logged at ERROR (something killed the database) and counted
     * in {@link #restarts()}.
     */
    public synchronized EmbeddedPostgresServer watch() {
        if (watchdog == null) {
            watchdog = new Thread(this::watchLoop, "embedded-postgres-watchdog");
            watchdog.setDaemon(true);
            watchdog.start();
        }
        return this;
    }

    private void watchLoop() {
        while (!closed) {
            try {
                Thread.sleep(WATCH_EVERY.toMillis());
            } catch (InterruptedException e) {
                return;
            }
            long pid = postmasterPid;
            if (closed || pid <= 0 || alive(Long.toString(pid))) {
                continue;
            }
            log.error("embedded PostgreSQL (pid {}) on port {} has died; starting it again on the same port (it "
                    + "recovers from its WAL; connections come back by themselves)", pid, port);
            long t0 = System.nanoTime();
            int attempts = 0;
            while (!closed) {
                attempts++;
                if (restart()) {
                    restarts.incrementAndGet();
                    log.warn("embedded PostgreSQL is back (pid {}, port {}) after {} ms and {} attempt(s)",
                            postmasterPid, port, (System.nanoTime() - t0) / 1_000_000, attempts);
                    break;
                }
                try {
                    Thread.sleep(WATCH_EVERY.toMillis());
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    /** One attempt; false when it did not start (e.g. the dead postmaster's backends still hold shared memory). */
    private synchronized boolean restart() {
        if (closed) {
            return false;
        }
        try {
            postgres.close(); // releases its lock on the data directory; stopping the dead server fails quietly
        } catch (IOException | RuntimeException e) {
            log.debug("closing the dead embedded PostgreSQL: {}", e.toString());
        }
        try {
            postgres = launch(directory, port, Duration.ofSeconds(20));
            postmasterPid = postmasterPid(directory);
            return true;
        } catch (IOException | RuntimeException e) {
            log.warn("embedded PostgreSQL did not start again yet: {}", e.getMessage());
            return false;
        }
    }

    /** How many times the watchdog has started the postmaster again. */
    public int restarts() {
        return restarts.get();
    }

    /** The postmaster's process id, from its pid file; 0 when unknown. */
    public long pid() {
        return postmasterPid;
    }

    private static long postmasterPid(Path pgData) {
        try {
            List<String> lines = Files.readAllLines(pgData.resolve("postmaster.pid"), StandardCharsets.UTF_8);
            return lines.isEmpty() ? 0 : Long.parseLong(lines.get(0).trim());
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
    }

    /** The database of a PostgreSQL that another live node runs on this data directory, if any. */
    public static Optional<DatabaseUrl> running(Path dataDir) throws IOException {
        Path pid = dataDir.resolve("postgres").resolve("postmaster.pid");
        if (!Files.exists(pid)) {
            return Optional.empty();
        }
        List<String> lines = Files.readAllLines(pid, StandardCharsets.UTF_8);
        if (lines.size() < 4 || !alive(lines.get(0).trim())) {
            return Optional.empty();
        }
        return Optional.of(url(Integer.parseInt(lines.get(3).trim())));
    }

    private static DatabaseUrl url(int port) {
        return new DatabaseUrl("jdbc:postgresql://127.0.0.1:" + port + "/" + DATABASE, SUPERUSER, null);
    }

    public DatabaseUrl url() {
        return url(port);
    }

    public int port() {
        return port;
    }

    public Path directory() {
        return directory;
    }

    private void ensureDatabase() throws SQLException {
        try (Connection c = postgres.getPostgresDatabase().getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
            ps.setString(1, DATABASE);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    try (Statement st = c.createStatement()) {
                        st.execute("CREATE DATABASE " + DATABASE);
                    }
                }
            }
        }
    }

    private static boolean alive(String pidText) {
        try {
            return ProcessHandle.of(Long.parseLong(pidText)).map(ProcessHandle::isAlive).orElse(false);
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static void stopOrphan(Path pgData) throws IOException {
        Path pidFile = pgData.resolve("postmaster.pid");
        if (!Files.exists(pidFile)) {
            return;
        }
        List<String> lines = Files.readAllLines(pidFile, StandardCharsets.UTF_8);
        if (lines.isEmpty()) {
            return;
        }
        Optional<ProcessHandle> orphan;
        try {
            orphan = ProcessHandle.of(Long.parseLong(lines.get(0).trim())).filter(ProcessHandle::isAlive)
                    .filter(p -> p.info().command().map(c -> c.endsWith("postgres")).orElse(false));
        } catch (NumberFormatException e) {
            return;
        }
        if (orphan.isEmpty()) {
            return;
        }
        ProcessHandle p = orphan.get();
        log.warn("stopping PostgreSQL (pid {}) left running on {} by a node that did not shut down cleanly",
                p.pid(), pgData);
        p.destroy();
        try {
            p.onExit().get(30, java.util.concurrent.TimeUnit.SECONDS);
        } catch (Exception e) {
            log.warn("PostgreSQL pid {} did not stop within 30s; killing it (it will recover from its WAL)", p.pid());
            p.destroyForcibly();
            try {
                p.onExit().get(10, java.util.concurrent.TimeUnit.SECONDS);
            } catch (Exception e2) {
                throw new IOException("cannot stop the PostgreSQL (pid " + p.pid() + ") left running on " + pgData);
            }
        }
    }

    @Override
    public void close() throws IOException {
        Thread w;
        synchronized (this) {
            closed = true;
            w = watchdog;
        }
        if (w != null) {
            w.interrupt();
            try {
                w.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        synchronized (this) {
            postgres.close();
        }
    }
}
