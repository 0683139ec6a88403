package com.hushryd.uploads;

/** The object store failed or could not be reached; retrying later may succeed. */
public class ObjectStoreException extends RuntimeException {
    public ObjectStoreException(String message, Throwable cause) {
        super(message, cause);
    }

    /** No complete object has the key. */
    public static final class NotFound extends ObjectStoreException {
        public NotFound(String key) {
            super("no object " + key, null);
        }
    }
}
