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
 */
public final class EmbeddedPostgresServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EmbeddedPostgresServer.class);
    static final String DATABASE = "hushryd";
    private static final String SUPERUSER = "postgres";

    private final EmbeddedPostgres postgres;
    private final Path directory;

    private EmbeddedPostgresServer(EmbeddedPostgres postgres, Path directory) {
        this.postgres = postgres;
        this.directory = directory;
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
        EmbeddedPostgres pg = EmbeddedPostgres.builder()
                .setDataDirectory(pgData)
                .setCleanDataDirectory(false)
                .setRegisterShutdownHook(false)
                .setPGStartupWait(Duration.ofSeconds(60))
                .setServerConfig("fsync", "on")
                .setServerConfig("synchronous_commit", "on")
                .setServerConfig("full_page_writes", "on")
                .setServerConfig("max_connections", "200")
                .setServerConfig("listen_addresses", "127.0.0.1")
                .start();
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
        return url(postgres.getPort());
    }

    public int port() {
        return postgres.getPort();
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
        postgres.close();
    }
}
