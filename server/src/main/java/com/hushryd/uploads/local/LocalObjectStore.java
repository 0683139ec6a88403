package com.hushryd.uploads.local;

import com.hushryd.common.ApiException;
import com.hushryd.uploads.ObjectInfo;
import com.hushryd.uploads.ObjectStore;
import com.hushryd.uploads.ObjectStoreException;
import com.hushryd.uploads.PresignedPut;
import com.hushryd.uploads.PutRequest;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Objects as files under a directory of the node ({@code DATA_DIR/objects}), uploaded through the node itself
 * ({@link LocalUploadReceiver}) on URLs signed with an HMAC-SHA256 of the key, content type, size and expiry.
 * Partial uploads live in a sibling directory and become visible with one hard link, which fails when the object
 * already exists: that is what makes a URL single-use, also when two uploads to it race.
 */
public final class LocalObjectStore implements ObjectStore {
    private final Path root;
    private final Path incoming;
    private final SecretKeySpec secret;
    private final Optional<URI> publicUrl;
    private final Clock clock;
    /** One initialised MAC per thread: looking one up costs more than signing. */
    private final ThreadLocal<Mac> macs = ThreadLocal.withInitial(this::newMac);

    /**
     * @param directory where objects live; partial uploads go to a sibling {@code <name>-incoming}
     * @param secret    the HMAC key of upload URLs (at least 32 bytes)
     * @param publicUrl the base URL clients reach this node at, or empty to use each request's origin
     */
    public LocalObjectStore(Path directory, byte[] secret, Optional<URI> publicUrl, Clock clock) {
        if (secret.length < 32) {
            throw new IllegalArgumentException("the upload signing secret must be at least 32 bytes");
        }
        this.root = directory.toAbsolutePath().normalize();
        this.incoming = root.resolveSibling(root.getFileName() + "-incoming");
        this.secret = new SecretKeySpec(secret, "HmacSHA256");
        this.publicUrl = publicUrl;
        this.clock = clock;
        try {
            Files.createDirectories(root);
            Files.createDirectories(incoming);
        } catch (IOException e) {
            throw new ObjectStoreException("cannot create " + root + ": " + e.getMessage(), e);
        }
    }

    public Path root() {
        return root;
    }

    @Override
    public String backend() {
        return "local";
    }

    /** What a verified upload URL allows. */
    public record Grant(String key, String contentType, long size, Instant expiresAt) {
    }

    @Override
    public PresignedPut presignPut(PutRequest r) {
        long expires = r.expiresAt().getEpochSecond();
        URI base = publicUrl.orElse(r.origin());
        if (base == null) {
            throw new IllegalStateException("no public URL and no request origin to build the upload URL on");
        }
        String b = base.toString().replaceAll("/+$", "");
        String url = b + LocalUploadReceiver.PATH + r.key() + "?expires=" + expires + "&size=" + r.size() + "&type="
                + URLEncoder.encode(r.contentType(), StandardCharsets.UTF_8) + "&sig="
                + sign(r.key(), r.contentType(), r.size(), expires);
        return new PresignedPut(URI.create(url), Map.of("Content-Type", r.contentType()),
                Instant.ofEpochSecond(expires));
    }

    /**
     * Checks an upload URL's parameters: signed by this store, not expired. Throws the client's error otherwise.
     */
    public Grant verify(String key, String expires, String size, String type, String sig) {
        if (expires == null || size == null || type == null || sig == null || !ObjectStore.validKey(key)) {
            throw invalidSignature();
        }
        long expiresAt;
        long bytes;
        try {
            expiresAt = Long.parseLong(expires);
            bytes = Long.parseLong(size);
        } catch (NumberFormatException e) {
            throw invalidSignature();
        }
        byte[] expected = sign(key, type, bytes, expiresAt).getBytes(StandardCharsets.US_ASCII);
        if (!MessageDigest.isEqual(expected, sig.getBytes(StandardCharsets.US_ASCII))) {
            throw invalidSignature();
        }
        Instant at = Instant.ofEpochSecond(expiresAt);
        if (!clock.instant().isBefore(at)) {
            throw new ApiException(403, "URL_EXPIRED", "this upload URL expired at " + at
                    + "; ask for a new one (POST /api/v1/documents/upload-url)", Map.of("expiresAt", at.toString()),
                    null);
        }
        return new Grant(key, type, bytes, at);
    }

    private static ApiException invalidSignature() {
        return new ApiException(403, "SIGNATURE_INVALID",
                "this upload URL was not issued by this server or was altered; use the URL exactly as issued");
    }

    private String sign(String key, String contentType, long size, long expires) {
        byte[] tag = macs.get().doFinal(("PUT\n" + key + "\n" + contentType + "\n" + size + "\n" + expires)
                .getBytes(StandardCharsets.UTF_8));
        return Base64.getUrlEncoder().withoutPadding().encodeToString(tag);
    }

    private Mac newMac() {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(secret);
            return mac;
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    /** Where the complete object of {@code key} lives. */
    Path file(String key) {
        if (!ObjectStore.validKey(key)) {
            throw new IllegalArgumentException("bad object key '" + key + "'");
        }
        return root.resolve(key);
    }

    /** Where the upload of {@code key} is written while it arrives (one per key: a second concurrent one fails). */
    Path partFile(String key) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
            return incoming.resolve(HexFormat.of().formatHex(digest) + ".part");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Makes a finished upload the object of {@code key}, all at once: hard-links the part file into place (failing
     * when the object exists) and removes the part.
     *
     * @throws FileAlreadyExistsException when the key already has an object (the URL was used before)
     */
    void commit(Path part, String key) throws IOException {
        Path target = file(key);
        Files.createDirectories(target.getParent());
        try {
            Files.createLink(target, part);
        } finally {
            Files.deleteIfExists(part);
        }
    }

    /** Removes partial uploads a previous run left behind (no upload survives a restart). */
    public int removeAbandonedParts() {
        int removed = 0;
        try (Stream<Path> parts = Files.list(incoming)) {
            for (Path p : (Iterable<Path>) parts::iterator) {
                if (p.getFileName().toString().endsWith(".part") && Files.deleteIfExists(p)) {
                    removed++;
                }
            }
        } catch (IOException e) {
            throw new ObjectStoreException("cannot clean " + incoming + ": " + e.getMessage(), e);
        }
        return removed;
    }

    @Override
    public Optional<ObjectInfo> stat(String key) {
        Path f = file(key);
        try {
            return Files.isRegularFile(f) ? Optional.of(new ObjectInfo(key, Files.size(f))) : Optional.empty();
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new ObjectStoreException("cannot read " + key + ": " + e.getMessage(), e);
        }
    }

    @Override
    public InputStream open(String key) {
        try {
            return Files.newInputStream(file(key));
        } catch (NoSuchFileException e) {
            throw new ObjectStoreException.NotFound(key);
        } catch (IOException e) {
            throw new ObjectStoreException("cannot read " + key + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void put(String key, String contentType, byte[] bytes) {
        Path target = file(key);
        try {
            Files.createDirectories(target.getParent());
            Path tmp = Files.createTempFile(incoming, "put", ".tmp");
            try {
                Files.write(tmp, bytes);
                try {
                    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new ObjectStoreException("cannot write " + key + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void delete(String key) {
        try {
            Files.deleteIfExists(file(key));
        } catch (IOException e) {
            throw new ObjectStoreException("cannot delete " + key + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        // nothing held open
    }
}
