package com.hushryd.ops.backup;

import com.hushryd.store.DatabaseUrl;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

/**
 * A consistent dump of the node's schema without {@code pg_dump}: one {@code REPEATABLE READ READ ONLY} transaction
 * copies every table with {@code COPY ... TO STDOUT} through the JDBC driver, so every table is read at the same
 * snapshot (decision 0069). The restore loads the tables in foreign-key order with {@code COPY ... FROM STDIN} in one
 * transaction and sets each sequence. Works the same on the embedded and on an external PostgreSQL.
 */
final class DatabaseDump {
    /** Tables not dumped: Flyway's history (a restore migrates) and the heartbeats of live nodes. */
    static final Set<String> SKIPPED = Set.of("flyway_schema_history", "cluster_nodes");
    /** Tables whose rows mean "this database holds someone's data": a restore refuses to overwrite them. */
    static final List<String> USER_DATA = List.of("users", "trips", "bookings", "sos_alerts");

    private DatabaseDump() {
    }

    /** A connection of its own, outside any pool: no statement timeout, a dump takes as long as it takes. */
    static Connection connect(DatabaseUrl url) throws SQLException {
        Connection c = url.user() == null ? DriverManager.getConnection(url.jdbcUrl())
                : DriverManager.getConnection(url.jdbcUrl(), url.user(), url.password());
        try (Statement s = c.createStatement()) {
            s.execute("SET statement_timeout = 0");
            s.execute("SET application_name = 'hushryd-backup'");
        }
        return c;
    }

    static String schemaVersion(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                "SELECT version FROM flyway_schema_history WHERE success AND version IS NOT NULL "
                        + "ORDER BY installed_rank DESC LIMIT 1")) {
            return rs.next() ? rs.getString(1) : null;
        } catch (SQLException e) {
            if ("42P01".equals(e.getSQLState())) { // no history table: a database never migrated
                if (!c.getAutoCommit()) {
                    c.rollback();
                }
                return null;
            }
            throw e;
        }
    }

    /** Dumps every table into {@code dir} (one gzip file each) within one snapshot. */
    static Manifest dump(DatabaseUrl url, Path dir, Consumer<String> progress, String version, String createdAt)
            throws SQLException, IOException {
        Files.createDirectories(dir.resolve("db"));
        try (Connection c = connect(url)) {
            c.setAutoCommit(false);
            c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            c.setReadOnly(true);
            String schemaVersion = schemaVersion(c);
            if (schemaVersion == null) {
                throw new BackupException("the database has no HushRyd schema (no Flyway history): nothing to back up");
            }
            Map<String, List<String>> tables = tables(c);
            progress.accept("database: " + tables.size() + " tables at schema version " + schemaVersion);
            CopyManager copy = c.unwrap(PGConnection.class).getCopyAPI();
            List<Manifest.Table> dumped = new ArrayList<>();
            for (Map.Entry<String, List<String>> t : tables.entrySet()) {
                long t0 = System.nanoTime();
                String file = "db/" + t.getKey() + ".copy.gz";
                MessageDigest sha = sha256();
                long rows;
                try (OutputStream out = new GZIPOutputStream(new DigestOutputStream(new BufferedOutputStream(
                        Files.newOutputStream(dir.resolve(file)), 1 << 16), sha), 1 << 16)) {
                    rows = copy.copyOut("COPY " + quote(t.getKey()) + " (" + columnList(t.getValue())
                            + ") TO STDOUT", out);
                }
                long bytes = Files.size(dir.resolve(file));
                dumped.add(new Manifest.Table(t.getKey(), t.getValue(), rows, file, bytes, hex(sha)));
                progress.accept(String.format("  %-28s %,12d rows %,14d bytes %6d ms", t.getKey(), rows, bytes,
                        (System.nanoTime() - t0) / 1_000_000));
            }
            List<Manifest.Sequence> sequences = new ArrayList<>();
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                    "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = current_schema() "
                            + "ORDER BY sequencename")) {
                while (rs.next()) {
                    String name = rs.getString(1);
                    long v = rs.getLong(2);
                    sequences.add(new Manifest.Sequence(name, rs.wasNull() ? null : v));
                }
            }
            c.commit();
            return new Manifest(Manifest.FORMAT, version, createdAt, schemaVersion, dumped, sequences, List.of());
        }
    }

    /** Whether the database holds user data (any row in {@link #USER_DATA}). */
    static boolean holdsData(Connection c) throws SQLException {
        Map<String, List<String>> tables = tables(c);
        for (String t : USER_DATA) {
            if (tables.containsKey(t)) {
                try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                        "SELECT EXISTS (SELECT 1 FROM " + quote(t) + ")")) {
                    if (rs.next() && rs.getBoolean(1)) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    /**
     * Loads a dump into a database migrated to the dump's schema version, in one transaction: empties every table
     * (migrations may seed rows; {@code force} has been checked), copies the tables parents first, sets the
     * sequences, and checks each table's row count against the manifest.
     */
    static void load(Connection c, Path dir, Manifest m, Consumer<String> progress) throws SQLException, IOException {
        c.setAutoCommit(false);
        Map<String, List<String>> present = tables(c);
        for (Manifest.Table t : m.tables()) {
            if (!present.containsKey(t.name())) {
                throw new BackupException("table " + t.name() + " of the backup does not exist after migrating to "
                        + m.schemaVersion());
            }
        }
        List<String> truncate = new ArrayList<>(present.keySet());
        truncate.removeAll(SKIPPED);
        if (!truncate.isEmpty()) {
            try (Statement s = c.createStatement()) {
                s.execute("TRUNCATE " + String.join(", ", truncate.stream().map(DatabaseDump::quote).toList())
                        + " CASCADE");
            }
        }
        CopyManager copy = c.unwrap(PGConnection.class).getCopyAPI();
        for (String name : parentsFirst(c, m.tables().stream().map(Manifest.Table::name).toList())) {
            Manifest.Table t = m.tables().stream().filter(x -> x.name().equals(name)).findFirst().orElseThrow();
            long t0 = System.nanoTime();
            long rows;
            try (InputStream in = new GZIPInputStream(new BufferedInputStream(Files.newInputStream(
                    dir.resolve(t.file())), 1 << 16), 1 << 16)) {
                rows = copy.copyIn("COPY " + quote(t.name()) + " (" + columnList(t.columns()) + ") FROM STDIN", in);
            }
            if (rows != t.rows()) {
                throw new BackupException("table " + t.name() + ": loaded " + rows + " rows, the manifest says "
                        + t.rows());
            }
            progress.accept(String.format("  %-28s %,12d rows %6d ms", t.name(), rows,
                    (System.nanoTime() - t0) / 1_000_000));
        }
        for (Manifest.Sequence seq : m.sequences()) {
            if (seq.lastValue() != null) {
                try (PreparedStatement ps = c.prepareStatement("SELECT setval(?::regclass, ?, true)")) {
                    ps.setString(1, quote(seq.name()));
                    ps.setLong(2, seq.lastValue());
                    ps.execute();
                }
            }
        }
        c.commit();
    }

    /** The tables of the current schema (minus {@link #SKIPPED}) with their stored columns, by name. */
    static Map<String, List<String>> tables(Connection c) throws SQLException {
        Map<String, List<String>> tables = new LinkedHashMap<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                "SELECT t.relname, a.attname FROM pg_class t JOIN pg_namespace n ON n.oid = t.relnamespace "
                        + "JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum > 0 AND NOT a.attisdropped "
                        + "AND a.attgenerated = '' "
                        + "WHERE n.nspname = current_schema() AND t.relkind = 'r' ORDER BY t.relname, a.attnum")) {
            while (rs.next()) {
                if (!SKIPPED.contains(rs.getString(1))) {
                    tables.computeIfAbsent(rs.getString(1), k -> new ArrayList<>()).add(rs.getString(2));
                }
            }
        }
        return tables;
    }

    /** {@code names} ordered so that a table comes after every table its foreign keys reference. */
    static List<String> parentsFirst(Connection c, List<String> names) throws SQLException {
        Map<String, Set<String>> parents = new LinkedHashMap<>();
        names.forEach(n -> parents.put(n, new LinkedHashSet<>()));
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                "SELECT child.relname, parent.relname FROM pg_constraint k "
                        + "JOIN pg_class child ON child.oid = k.conrelid JOIN pg_class parent ON parent.oid = k.confrelid "
                        + "JOIN pg_namespace n ON n.oid = child.relnamespace "
                        + "WHERE k.contype = 'f' AND n.nspname = current_schema()")) {
            while (rs.next()) {
                String child = rs.getString(1);
                String parent = rs.getString(2);
                if (parents.containsKey(child) && parents.containsKey(parent) && !child.equals(parent)) {
                    parents.get(child).add(parent);
                }
            }
        }
        List<String> order = new ArrayList<>();
        Set<String> placed = new LinkedHashSet<>();
        while (order.size() < names.size()) {
            boolean progressed = false;
            for (String n : names) {
                if (!placed.contains(n) && placed.containsAll(parents.get(n))) {
                    order.add(n);
                    placed.add(n);
                    progressed = true;
                }
            }
            if (!progressed) {
                throw new BackupException("foreign keys form a cycle among " + names.stream()
                        .filter(n -> !placed.contains(n)).toList() + "; this restore cannot order them");
            }
        }
        return order;
    }

    static String quote(String identifier) {
        return '"' + identifier.replace("\"", "\"\"") + '"';
    }

    private static String columnList(List<String> columns) {
        return String.join(", ", columns.stream().map(DatabaseDump::quote).toList());
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String hex(MessageDigest d) {
        return HexFormat.of().formatHex(d.digest());
    }
}
