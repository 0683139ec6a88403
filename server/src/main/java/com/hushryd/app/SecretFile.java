package com.hushryd.app;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A secret that an earlier version generated into a file under DATA_DIR. It is still read, so that a node upgraded in
 * place keeps signing with it (its tokens and upload URLs stay valid) once it moves into the database.
 */
final class SecretFile {
    private SecretFile() {
    }

    static Optional<String> read(Path file) throws IOException {
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        String s = Files.readString(file, StandardCharsets.UTF_8).trim();
        if (s.length() < 32) {
            throw new IOException(file + " holds a secret shorter than 32 characters; delete it to generate one");
        }
        return Optional.of(s);
    }
}
