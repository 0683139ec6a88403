package com.hushryd.bench;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Set;

/**
 * A hot standby of a PostgreSQL this bench started: base backup with the low-level API (the embedded binaries carry
 * no pg_basebackup), a physical slot, standby.signal; the same procedure as the tests' {@code TestReplica}.
 */
final class StreamingReplica {
    private static final Set<String> SKIPPED = Set.of("postmaster.pid", "postmaster.opts", "epg-lock");
    private static final Set<String> EMPTIED = Set.of("pg_wal", "pg_replslot", "pg_stat_tmp");

    private StreamingReplica() {
    }

    /** Copies the primary at {@code primaryDir} (listening on {@code primaryPort}) and starts the copy as a standby. */
    static EmbeddedPostgres start(Path primaryDir, int primaryPort, Path dir, int port) throws IOException,
            SQLException {
        String slot = "bench_replica_" + port;
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + primaryPort + "/postgres",
                "postgres", null); Statement st = c.createStatement()) {
            st.execute("SELECT pg_create_physical_replication_slot('" + slot + "', true)");
            st.execute("SELECT pg_backup_start('hushryd-bench-replica', true)");
            copy(primaryDir, dir);
            try (ResultSet rs = st.executeQuery("SELECT labelfile FROM pg_backup_stop(false)")) {
                rs.next();
                Files.writeString(dir.resolve("backup_label"), rs.getString(1), StandardCharsets.UTF_8);
            }
        }
        Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        Files.writeString(dir.resolve("standby.signal"), "");
        Files.writeString(dir.resolve("postgresql.auto.conf"), "\nprimary_conninfo = 'host=127.0.0.1 port="
                + primaryPort + " user=postgres application_name=bench-replica'\nprimary_slot_name = '" + slot
                + "'\n", StandardOpenOption.APPEND);
        // a standby starting on a loaded machine may take a while to reach a consistent state
        Path log = dir.resolveSibling("replica.log");
        try {
            return EmbeddedPostgres.builder().setDataDirectory(dir).setCleanDataDirectory(false).setPort(port)
                .setRegisterShutdownHook(false).setServerConfig("listen_addresses", "127.0.0.1")
                .setPGStartupWait(java.time.Duration.ofSeconds(120))
                .setOutputRedirector(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        } catch (IOException e) {
            System.err.println("# the replica did not start; its log:\n" + (Files.exists(log) ? Files.readString(log) : "(none)"));
            throw e;
        }
    }

    private static void copy(Path from, Path to) throws IOException {
        Files.walkFileTree(from, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) throws IOException {
                Path rel = from.relativize(d);
                Files.createDirectories(to.resolve(rel.toString()));
                if (rel.getNameCount() == 1 && EMPTIED.contains(rel.toString())) {
                    if (rel.toString().equals("pg_wal")) {
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
                    Files.copy(f, to.resolve(rel.toString()));
                } catch (NoSuchFileException gone) {
                    // removed while copying: replay does not need it
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path f, IOException e) {
                return FileVisitResult.CONTINUE;
            }
        });
    }

    /**
     * CPU time of a PostgreSQL server in milliseconds: its postmaster (pid from {@code postmaster.pid}), its children
     * that have exited (cutime, cstime) and those running (backends, walsender, walreceiver, startup...).
     */
    static long cpuMillis(Path dataDir) {
        try {
            long postmaster = Long.parseLong(Files.readAllLines(dataDir.resolve("postmaster.pid")).get(0).trim());
            long ticks = 0;
            try (var procs = Files.list(Path.of("/proc"))) {
                for (Path p : (Iterable<Path>) procs::iterator) {
                    String name = p.getFileName().toString();
                    if (!name.chars().allMatch(Character::isDigit)) {
                        continue;
                    }
                    try {
                        String stat = Files.readString(p.resolve("stat"));
                        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                        long pid = Long.parseLong(name);
                        long ppid = Long.parseLong(f[1]);
                        if (pid == postmaster) {
                            ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]) + Long.parseLong(f[13])
                                    + Long.parseLong(f[14]);
                        } else if (ppid == postmaster) {
                            ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]);
                        }
                    } catch (IOException | RuntimeException gone) {
                        // exited meanwhile
                    }
                }
            }
            return ticks * 10;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
