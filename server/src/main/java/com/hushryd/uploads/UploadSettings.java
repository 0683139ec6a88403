package com.hushryd.uploads;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;

/**
 * How documents are uploaded; see {@code Setting} for the defaults.
 *
 * @param s3          present when {@code store} is {@link Store#S3}
 * @param urlTtl      how long an upload URL stays valid
 * @param maxSize     the largest document, in bytes
 * @param streams     uploads the local store receives at once
 * @param publicUrl   the base URL clients reach the node at (local store), or empty for each request's origin
 */
public record UploadSettings(Store store, Optional<S3Settings> s3, Duration urlTtl, long maxSize, int streams,
        Optional<URI> publicUrl) {
    /** The object store backends. */
    public enum Store {
        LOCAL, S3
    }

    public UploadSettings {
        if (store == Store.S3 && s3.isEmpty()) {
            throw new IllegalArgumentException("the S3 store needs its settings");
        }
    }
}
