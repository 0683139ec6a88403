package com.hushryd.testing;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Set;

/**
 * A real streaming replica of an {@link OwnPostgres}, on a free port: a base backup taken with PostgreSQL's own
 * low-level API ({@code pg_backup_start}, a copy of the data directory, {@code pg_backup_stop}; the embedded binaries
 * carry no {@code pg_basebackup}), a physical replication slot so the primary keeps the WAL it needs, and
 * {@code standby.signal} with {@code primary_conninfo}; started with the same embedded binaries as the primary. A test
 * may pause its replay (artificial lag), stop it and start it again.
 */
public final class TestReplica implements AutoCloseable {
    private static final Set<String> SKIPPED = Set.of("postmaster.pid", "postmaster.opts", "epg-lock");
    private static final Set<String> EMPTIED = Set.of("pg_wal", "pg_replslot", "pg_stat_tmp");

    private final Path dir;
    private final int port;
    private EmbeddedPostgres pg;

    private TestReplica(Path dir, int port) {
        this.dir = dir;
        this.port = port;
    }

    /** Takes a base backup of {@code primary} and starts a hot standby streaming from it. */
    public static TestReplica of(OwnPostgres primary) {
        try {
            Path dir = Files.createTempDirectory("hushryd-replica");
            int port;
            try (ServerSocket s = new ServerSocket(0)) {
                port = s.getLocalPort();
            }
            String slot = "replica_" + port;
            try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + primary.port()
                    + "/postgres", "postgres", null); Statement st = c.createStatement()) {
                st.execute("SELECT pg_create_physical_replication_slot('" + slot + "', true)");
                st.execute("SELECT pg_backup_start('hushryd-test-replica', true)");
                copy(primary.dataDirectory(), dir);
                try (ResultSet rs = st.executeQuery("SELECT labelfile, spcmapfile FROM pg_backup_stop(false)")) {
                    rs.next();
                    Files.writeString(dir.resolve("backup_label"), rs.getString(1), StandardCharsets.UTF_8);
                    String map = rs.getString(2);
                    if (map != null && !map.isEmpty()) {
                        Files.writeString(dir.resolve("tablespace_map"), map, StandardCharsets.UTF_8);
                    }
                }
            }
            Files.writeString(dir.resolve("standby.signal"), "");
            Files.writeString(dir.resolve("postgresql.auto.conf"), "\nprimary_conninfo = 'host=127.0.0.1 port="
                    + primary.port() + " user=postgres application_name=hushryd-test-replica'\n"
                    + "primary_slot_name = '" + slot + "'\n", StandardOpenOption.APPEND);
            TestReplica replica = new TestReplica(dir, port);
            replica.up();
            return replica;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot take a base backup: " + e.getMessage(), e);
        }
    }

    private static void copy(Path from, Path to) throws IOException {
        Files.walkFileTree(from, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) throws IOException {
                Files.createDirectories(to.resolve(from.relativize(d).toString()));
                Path parent = from.relativize(d);
                if (parent.getNameCount() == 1 && EMPTIED.contains(parent.toString())) {
                    if (parent.toString().equals("pg_wal")) {
                        Files.createDirectories(to.resolve("pg_wal/archive_status"));
                        Files.createDirectories(to.resolve("pg_wal/summaries"));
                    }
                    return FileVisitResult.SKIP_SUBTREE;
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) throws IOException {
                Path rel = from.relativize(f);
                if (rel.getNameCount() == 1 && SKIPPED.contains(rel.toString())) {
                    return FileVisitResult.CONTINUE;
                }
                try {
                    Files.copy(f, to.resolve(rel.toString()), StandardCopyOption.REPLACE_EXISTING);
                } catch (NoSuchFileException gone) {
                    // a temporary file removed while copying: the backup's WAL replay does not need it
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path f, IOException e) {
                return FileVisitResult.CONTINUE;
            }
        });
    }

    /** Starts it (again, unless it runs) on its data directory and port; returns once it accepts reads. */
    public synchronized void up() {
        if (pg != null) {
            return;
        }
        try {
            pg = EmbeddedPostgres.builder().setDataDirectory(dir).setCleanDataDirectory(false).setPort(port)
                    .setRegisterShutdownHook(false).setServerConfig("listen_addresses", "127.0.0.1")
                    .setServerConfig("hot_standby", "on").setServerConfig("fsync", "off").start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Stops it (fast shutdown): connections are refused until {@link #up()}. */
    public synchronized void down() {
        if (pg != null) {
            try {
                pg.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            pg = null;
        }
    }

    /** DATABASE_READ_URLS entry for its {@code postgres} database (a copy of the primary's). */
    public String url() {
        return "postgresql://postgres@127.0.0.1:" + port + "/postgres";
    }

    /** Stops applying WAL: it keeps serving reads, of an ever older state (artificial lag). */
    public void pauseReplay() {
        sql("SELECT pg_wal_replay_pause()");
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30))
                .until(() -> "paused".equals(query("SELECT pg_get_wal_replay_pause_state()")));
    }

    public void resumeReplay() {
        sql("SELECT pg_wal_replay_resume()");
    }

    /** Index and sequential scans the replica itself ran on {@code table} (its own statistics: reads served here). */
    public long scans(String table) {
        try (Connection c = connect(); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT coalesce(idx_scan, 0) + coalesce(seq_scan, 0) "
                        + "FROM pg_stat_user_tables WHERE relname = '" + table + "'")) {
            return rs.next() ? rs.getLong(1) : 0;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private String query(String sql) throws SQLException {
        try (Connection c = connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    private void sql(String statement) {
        try (Connection c = connect(); Statement st = c.createStatement()) {
            st.execute(statement);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private Connection connect() throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres", "postgres", null);
    }

    @Override
    public void close() {
        down();
    }
}
