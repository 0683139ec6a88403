package com.hushryd.app;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;

/** A random secret generated once and kept in a file readable only by its owner. */
final class SecretFile {
    private SecretFile() {
    }

    static String loadOrCreate(Path file) throws IOException {
        if (Files.exists(file)) {
            String s = Files.readString(file, StandardCharsets.UTF_8).trim();
            if (s.length() >= 32) {
                return s;
            }
            throw new IOException(file + " holds a secret shorter than 32 characters; delete it to generate one");
        }
        byte[] raw = new byte[48];
        new SecureRandom().nextBytes(raw);
        String secret = Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
        Files.createDirectories(file.getParent());
        Path tmp = Files.createTempFile(file.getParent(), ".secret", ".tmp");
        try {
            try {
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException e) {
                // not a POSIX file system; the directory's own permissions apply
            }
            Files.writeString(tmp, secret, StandardCharsets.UTF_8);
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException e) {
                return loadOrCreate(file);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
        return secret;
    }
}
