package com.hushryd.uploads;

import java.net.URI;
import java.util.Objects;
import java.util.Optional;

/**
 * Where the S3-compatible store is and how to sign for it.
 *
 * @param endpoint  the service URL (MinIO, s3proxy, another cloud's S3 API), or empty for AWS's endpoint of the region
 * @param accessKeyId with {@code secretAccessKey}: static credentials; both empty: the AWS default credentials chain
 * @param pathStyle address buckets as {@code endpoint/bucket/key} instead of {@code bucket.endpoint/key}
 */
public record S3Settings(Optional<URI> endpoint, String bucket, String region, Optional<String> accessKeyId,
        Optional<String> secretAccessKey, boolean pathStyle) {
    public S3Settings {
        Objects.requireNonNull(bucket, "bucket");
        Objects.requireNonNull(region, "region");
        if (accessKeyId.isPresent() != secretAccessKey.isPresent()) {
            throw new IllegalArgumentException("an access key id needs its secret and the other way round");
        }
    }

    /** For logs: never the secret. */
    @Override
    public String toString() {
        return "bucket " + bucket + " at " + endpoint.map(URI::toString).orElse("AWS " + region)
                + (pathStyle ? " (path-style)" : "") + ", credentials "
                + (accessKeyId.isPresent() ? "static (" + accessKeyId.get() + ")" : "from the AWS default chain");
    }
}
