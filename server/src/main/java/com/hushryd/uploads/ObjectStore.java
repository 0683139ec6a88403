package com.hushryd.uploads;

import java.io.InputStream;
import java.util.Optional;

/**
 * Where uploaded documents are kept: objects named by S3-style keys ({@code documents/{userId}/...}), uploaded by
 * clients straight to the store through a URL this port presigns, so that the bytes never pass through the API's
 * handlers.
 *
 * <p><b>Presigned uploads.</b> The URL of {@link #presignPut} accepts one {@code PUT} of exactly {@code size} bytes
 * with exactly that content type (and the other returned headers) until {@code expiresAt}. The store itself refuses
 * anything else: another length or type, an altered URL, an expired one, and a second upload to the same key (the
 * URL is single-use; the first complete upload wins). An object becomes visible to {@link #stat} and {@link #open}
 * only once all its bytes are stored: never partly.
 *
 * <p><b>Keys</b> are 1-1024 characters of letters, digits, {@code / . _ -}, without empty, {@code .} or {@code ..}
 * segments; {@link #validKey} says whether a key is one.
 *
 * <p>Thread-safe. Every method but {@link #presignPut} may block on I/O: call them from worker threads. When the
 * backend cannot be reached or fails, methods throw {@link ObjectStoreException}; a missing object is not a failure
 * ({@code stat} is empty, {@code open} throws {@link ObjectStoreException.NotFound}).
 */
public interface ObjectStore extends AutoCloseable {
    /** Which backend holds the objects, for logs and health ("local", "s3"). */
    String backend();

    /** A URL through which a client uploads one object; computed locally, no call to the backend. */
    PresignedPut presignPut(PutRequest request);

    /** The object's size, or empty when no complete object has this key. */
    Optional<ObjectInfo> stat(String key);

    /** Reads the object; the caller closes the stream. */
    InputStream open(String key);

    /** Stores a small object written by the server itself (e.g. a thumbnail), replacing any with that key. */
    void put(String key, String contentType, byte[] bytes);

    /** Removes the object; removing a missing object is not an error. */
    void delete(String key);

    @Override
    void close();

    /** Whether {@code key} is a well-formed object key (see the class comment). */
    static boolean validKey(String key) {
        if (key == null || key.isEmpty() || key.length() > 1024 || key.startsWith("/") || key.endsWith("/")) {
            return false;
        }
        for (String segment : key.split("/", -1)) {
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..")
                    || !segment.chars().allMatch(ObjectStore::keyChar)) {
                return false;
            }
        }
        return true;
    }

    private static boolean keyChar(int c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_'
                || c == '-';
    }
}
