package com.hushryd.ops.backup;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What a backup holds and how to check it: the version that wrote it, the Flyway schema version of the dump, each
 * table's file with its row count, size and SHA-256, each sequence's position, and each file copied from
 * {@code DATA_DIR} (local objects, the SOS journal, secrets an older version kept there) with its size and SHA-256.
 *
 * @param format        the layout of the backup directory; a restore refuses a format it does not know
 * @param schemaVersion the Flyway version the dumped database was at (the restore migrates to exactly it)
 */
public record Manifest(int format, String hushrydVersion, String createdAt, String schemaVersion,
        List<Table> tables, List<Sequence> sequences, List<DataFile> files) {
    public static final int FORMAT = 1;
    public static final String NAME = "manifest.json";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    public Manifest {
        tables = List.copyOf(tables);
        sequences = List.copyOf(sequences);
        files = List.copyOf(files);
    }

    /** One table's dump: {@code COPY ... TO STDOUT} text format, gzip-compressed, in {@code file}. */
    public record Table(String name, List<String> columns, long rows, String file, long bytes, String sha256) {
        public Table {
            columns = List.copyOf(columns);
        }
    }

    /** A sequence's {@code last_value} (null: never used) at the time of the dump. */
    public record Sequence(String name, Long lastValue) {
    }

    /** A file of {@code DATA_DIR}, by its path relative to it ('/'-separated), stored under {@code files/}. */
    public record DataFile(String path, long bytes, String sha256) {
    }

    public long rows(String table) {
        return tables.stream().filter(t -> t.name().equals(table)).mapToLong(Table::rows).sum();
    }

    void write(Path dir) throws IOException {
        JSON.writeValue(dir.resolve(NAME).toFile(), this);
    }

    static Manifest read(Path dir) throws IOException {
        Path file = dir.resolve(NAME);
        if (!Files.exists(file)) {
            throw new BackupException(dir + " holds no " + NAME + ": not a HushRyd backup, or an unfinished one");
        }
        Manifest m = JSON.readValue(file.toFile(), Manifest.class);
        if (m.format() != FORMAT) {
            throw new BackupException("backup format " + m.format() + " is not known to this version (it reads "
                    + FORMAT + ")");
        }
        return m;
    }
}
