package com.hushryd.ops.backup;

import com.hushryd.uploads.s3.S3ObjectStore;
import com.hushryd.uploads.S3Settings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Stream;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Where a backup lives: a directory, or {@code s3://bucket/prefix} in the S3-compatible store of the S3_* settings
 * (endpoint, region, credentials, path style; the bucket and prefix come from the URL). An S3 backup is staged in a
 * local temporary directory and uploaded file by file, the manifest last; a restore downloads the manifest and the
 * files it lists, then restores from the local copy.
 */
public sealed interface BackupLocation permits BackupLocation.Directory, BackupLocation.S3 {

    /** Parses {@code DIR} or {@code s3://bucket/prefix}; {@code s3} settings are needed for the latter. */
    static BackupLocation parse(String value, Optional<S3Settings> s3) {
        if (value.startsWith("s3://")) {
            String rest = value.substring("s3://".length());
            int slash = rest.indexOf('/');
            String bucket = slash < 0 ? rest : rest.substring(0, slash);
            String prefix = slash < 0 ? "" : rest.substring(slash + 1).replaceAll("/+$", "");
            if (bucket.isEmpty()) {
                throw new BackupException("expected s3://bucket/prefix, got '" + value + "'");
            }
            S3Settings base = s3.orElseThrow(() -> new BackupException("an s3:// location needs the S3 settings"));
            return new S3(new S3Settings(base.endpoint(), bucket, base.region(), base.accessKeyId(),
                    base.secretAccessKey(), base.pathStyle()), prefix);
        }
        return new Directory(Path.of(value).toAbsolutePath().normalize());
    }

    /** The same kind of location one level down (the scheduled backups' one directory per run). */
    BackupLocation child(String name);

    /** Whether a complete backup (one with its manifest) is already here. */
    boolean complete() throws IOException;

    /** Where to write a backup before {@link #publish} (for a directory, the directory itself). */
    Path stage() throws IOException;

    /** Makes the staged backup available at this location. */
    void publish(Path staged, Consumer<String> progress) throws IOException;

    /** A local directory holding the backup of this location. */
    Path fetch(Consumer<String> progress) throws IOException;

    /** Removes what {@link #stage} or {@link #fetch} created locally, if it is a copy. */
    void cleanUp(Path local) throws IOException;

    /** A backup directory. */
    record Directory(Path path) implements BackupLocation {
        @Override
        public BackupLocation child(String name) {
            return new Directory(path.resolve(name));
        }

        @Override
        public boolean complete() {
            return Files.exists(path.resolve(Manifest.NAME));
        }

        @Override
        public Path stage() {
            return path;
        }

        @Override
        public void publish(Path staged, Consumer<String> progress) {
        }

        @Override
        public Path fetch(Consumer<String> progress) {
            return path;
        }

        @Override
        public void cleanUp(Path local) {
        }

        @Override
        public String toString() {
            return path.toString();
        }
    }

    /** A prefix in an S3 bucket. */
    record S3(S3Settings settings, String prefix) implements BackupLocation {
        @Override
        public BackupLocation child(String name) {
            return new S3(settings, prefix.isEmpty() ? name : prefix + "/" + name);
        }

        private String key(String name) {
            return prefix.isEmpty() ? name : prefix + "/" + name;
        }

        @Override
        public boolean complete() {
            try (S3Client client = S3ObjectStore.client(settings)) {
                return client.listObjectsV2(b -> b.bucket(settings.bucket()).prefix(key(Manifest.NAME)).maxKeys(1))
                        .keyCount() > 0;
            } catch (SdkException e) {
                throw new BackupException("cannot reach " + this + ": " + e.getMessage(), e);
            }
        }

        @Override
        public Path stage() throws IOException {
            return Files.createTempDirectory("hushryd-backup");
        }

        @Override
        public void publish(Path staged, Consumer<String> progress) throws IOException {
            try (S3Client client = S3ObjectStore.client(settings); Stream<Path> walk = Files.walk(staged)) {
                List<Path> files = walk.filter(Files::isRegularFile)
                        .filter(p -> !p.getFileName().toString().equals(Manifest.NAME)).sorted().toList();
                if (client.listObjectsV2(b -> b.bucket(settings.bucket()).prefix(key(Manifest.NAME)).maxKeys(1))
                        .keyCount() > 0) {
                    throw new BackupException(this + " already holds a backup: choose another prefix");
                }
                for (Path f : files) {
                    String rel = staged.relativize(f).toString().replace(java.io.File.separatorChar, '/');
                    client.putObject(b -> b.bucket(settings.bucket()).key(key(rel)), RequestBody.fromFile(f));
                }
                client.putObject(b -> b.bucket(settings.bucket()).key(key(Manifest.NAME)),
                        RequestBody.fromFile(staged.resolve(Manifest.NAME)));
                progress.accept("uploaded " + (files.size() + 1) + " files to " + this);
            } catch (SdkException e) {
                throw new BackupException("cannot upload the backup to " + this + ": " + e.getMessage(), e);
            }
        }

        @Override
        public Path fetch(Consumer<String> progress) throws IOException {
            Path local = Files.createTempDirectory("hushryd-restore");
            try (S3Client client = S3ObjectStore.client(settings)) {
                client.getObject(b -> b.bucket(settings.bucket()).key(key(Manifest.NAME)), local.resolve(Manifest.NAME));
                Manifest m = Manifest.read(local);
                int n = 0;
                for (String rel : Stream.concat(m.tables().stream().map(Manifest.Table::file),
                        m.files().stream().map(f -> "files/" + f.path())).toList()) {
                    Path target = local.resolve(rel).normalize();
                    if (!target.startsWith(local)) {
                        throw new BackupException("the manifest names a file outside the backup: " + rel);
                    }
                    Files.createDirectories(target.getParent());
                    client.getObject(b -> b.bucket(settings.bucket()).key(key(rel)), target);
                    n++;
                }
                progress.accept("downloaded " + (n + 1) + " files from " + this);
                return local;
            } catch (SdkException e) {
                cleanUp(local);
                throw new BackupException("cannot download the backup from " + this + ": " + e.getMessage(), e);
            }
        }

        @Override
        public void cleanUp(Path local) throws IOException {
            try (Stream<Path> walk = Files.walk(local)) {
                for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }

        @Override
        public String toString() {
            return "s3://" + settings.bucket() + "/" + prefix;
        }
    }
}
