package com.hushryd.ops.backup;

import com.hushryd.store.DatabaseUrl;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.flywaydb.core.Flyway;

/**
 * Backup and restore of everything a node keeps (decision 0069): the database (a consistent dump, see
 * {@link DatabaseDump}; it includes the generated secrets, decision 0046), and the files of {@code DATA_DIR} that are
 * not the embedded database: the local object store ({@code objects/}), the SOS journal ({@code sos/}) and secrets an
 * older version kept there. A backup is a directory with a {@link Manifest}, written last, so a directory without one
 * is an unfinished backup. A restore checks every checksum before it changes anything, refuses a database that holds
 * data unless forced, migrates an empty database to the backup's schema version, loads it and copies the files.
 * Not thread-safe; one backup or restore at a time per target.
 */
public final class Backup {
    /** What of DATA_DIR is copied: directories (recursively) and single files, relative to it. */
    static final List<String> DATA_DIR_ENTRIES = List.of("objects", "sos", "jwt-secret", "upload-secret",
            "share-secret");

    private Backup() {
    }

    /** Backs up the database at {@code db} and the files of {@code dataDir} into {@code dir} (new or empty). */
    public static Manifest create(DatabaseUrl db, Path dataDir, Path dir, String version, Consumer<String> progress)
            throws IOException, SQLException {
        if (Files.exists(dir)) {
            try (Stream<Path> entries = Files.list(dir)) {
                if (entries.findAny().isPresent()) {
                    throw new BackupException(dir + " is not empty: back up into a new or empty directory");
                }
            }
        }
        Files.createDirectories(dir);
        long t0 = System.nanoTime();
        Manifest m = DatabaseDump.dump(db, dir, progress, version, Instant.now().toString());
        List<Manifest.DataFile> files = new ArrayList<>();
        for (String entry : DATA_DIR_ENTRIES) {
            Path source = dataDir.resolve(entry);
            if (Files.exists(source)) {
                copyTree(source, dataDir, dir.resolve("files"), files);
            }
        }
        long bytes = files.stream().mapToLong(Manifest.DataFile::bytes).sum();
        progress.accept(String.format("files: %,d from %s (%,d bytes)", files.size(), dataDir, bytes));
        Manifest done = new Manifest(m.format(), m.hushrydVersion(), m.createdAt(), m.schemaVersion(), m.tables(),
                m.sequences(), files);
        done.write(dir);
        progress.accept(String.format("backup complete in %s: %,d rows in %d tables, %,d files, %.1f s", dir,
                done.tables().stream().mapToLong(Manifest.Table::rows).sum(), done.tables().size(), files.size(),
                (System.nanoTime() - t0) / 1e9));
        return done;
    }

    /** Reads the manifest of {@code dir} and checks every file it lists against its size and SHA-256. */
    public static Manifest verify(Path dir) throws IOException {
        Manifest m = Manifest.read(dir);
        for (Manifest.Table t : m.tables()) {
            check(dir.resolve(t.file()), t.bytes(), t.sha256());
        }
        for (Manifest.DataFile f : m.files()) {
            check(dir.resolve("files").resolve(f.path()), f.bytes(), f.sha256());
        }
        return m;
    }

    /**
     * Restores the backup in {@code dir} into the database at {@code db} and the files into {@code dataDir}.
     * Refuses a database that holds users, trips, bookings or SOS alerts unless {@code force}, and one whose schema is
     * newer than the backup's.
     */
    public static Manifest restore(Path dir, DatabaseUrl db, Path dataDir, boolean force, Consumer<String> progress)
            throws IOException, SQLException {
        long t0 = System.nanoTime();
        Manifest m = verify(dir);
        progress.accept("backup of " + m.createdAt() + " (hushryd " + m.hushrydVersion() + ", schema "
                + m.schemaVersion() + "): checksums verified");
        try (Connection c = DatabaseDump.connect(db)) {
            String current = DatabaseDump.schemaVersion(c);
            if (current != null && DatabaseDump.holdsData(c) && !force) {
                throw new BackupException("the database already holds data (users, trips, bookings or SOS alerts): "
                        + "restore into a fresh DATA_DIR or an empty database, or pass --force to replace it");
            }
            if (current != null && compare(current, m.schemaVersion()) > 0) {
                throw new BackupException("the database's schema (version " + current + ") is newer than the "
                        + "backup's (" + m.schemaVersion() + "): restore into an empty database");
            }
        }
        Flyway.configure().dataSource(db.jdbcUrl(), db.user(), db.password()).locations("classpath:db/migration")
                .failOnMissingLocations(true).target(m.schemaVersion()).load().migrate();
        progress.accept("database: migrated to schema version " + m.schemaVersion() + "; loading "
                + m.tables().size() + " tables");
        try (Connection c = DatabaseDump.connect(db)) {
            DatabaseDump.load(c, dir, m, progress);
        }
        for (Manifest.DataFile f : m.files()) {
            Path target = dataDir.resolve(f.path()).normalize();
            if (!target.startsWith(dataDir.normalize())) {
                throw new BackupException("file " + f.path() + " of the manifest lies outside DATA_DIR");
            }
            Files.createDirectories(target.getParent());
            Files.copy(dir.resolve("files").resolve(f.path()), target, StandardCopyOption.REPLACE_EXISTING);
        }
        progress.accept(String.format("files: %,d restored into %s", m.files().size(), dataDir));
        progress.accept(String.format("restore complete: %,d rows in %d tables, %,d files, %.1f s",
                m.tables().stream().mapToLong(Manifest.Table::rows).sum(), m.tables().size(), m.files().size(),
                (System.nanoTime() - t0) / 1e9));
        return m;
    }

    /** Flyway versions compare part by part as numbers ("9" before "10", "2.1" after "2"). */
    static int compare(String a, String b) {
        String[] x = a.split("\\.");
        String[] y = b.split("\\.");
        for (int i = 0; i < Math.max(x.length, y.length); i++) {
            long p = i < x.length ? Long.parseLong(x[i]) : 0;
            long q = i < y.length ? Long.parseLong(y[i]) : 0;
            if (p != q) {
                return Long.compare(p, q);
            }
        }
        return 0;
    }

    private static void copyTree(Path source, Path dataDir, Path into, List<Manifest.DataFile> files)
            throws IOException {
        List<Path> all = new ArrayList<>();
        Files.walkFileTree(source, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                String name = file.getFileName().toString();
                if (attrs.isRegularFile() && !name.endsWith(".part") && !name.endsWith(".tmp")) {
                    all.add(file); // not uploads still arriving
                }
                return FileVisitResult.CONTINUE;
            }
        });
        all.sort(Comparator.naturalOrder());
        for (Path file : all) {
            String rel = dataDir.relativize(file).toString().replace(java.io.File.separatorChar, '/');
            Path target = into.resolve(rel);
            Files.createDirectories(target.getParent());
            MessageDigest sha = DatabaseDump.sha256();
            try (InputStream in = new DigestInputStream(Files.newInputStream(file), sha);
                    OutputStream out = Files.newOutputStream(target)) {
                in.transferTo(out);
            } catch (java.nio.file.NoSuchFileException gone) {
                continue; // deleted while we walked (an upload that was refused): not part of the backup
            }
            files.add(new Manifest.DataFile(rel, Files.size(target), DatabaseDump.hex(sha)));
        }
    }

    private static void check(Path file, long bytes, String sha256) throws IOException {
        if (!Files.exists(file)) {
            throw new BackupException("backup file " + file + " is missing");
        }
        MessageDigest sha = DatabaseDump.sha256();
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), sha)) {
            in.transferTo(OutputStream.nullOutputStream());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (Files.size(file) != bytes || !DatabaseDump.hex(sha).equals(sha256)) {
            throw new BackupException("backup file " + file + " does not match its checksum in the manifest "
                    + "(damaged or changed since the backup)");
        }
    }
}
