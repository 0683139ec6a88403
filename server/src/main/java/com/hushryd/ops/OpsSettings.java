package com.hushryd.ops;

import com.hushryd.auth.Cidr;
import com.hushryd.uploads.s3.S3Settings;
import java.util.List;

/**
 * Operational settings of a node.
 *
 * @param allowedCidrs   networks that may read {@code /metrics} and the detailed {@code /health} (OPS_ALLOWED_CIDRS)
 * @param trustedProxies proxies whose {@code X-Forwarded-For} names the client (TRUSTED_PROXIES)
 * @param backupS3       how to reach the S3-compatible store of {@code s3://} backup locations (S3_* settings; the
 *                       bucket is the location's)
 */
public record OpsSettings(List<Cidr> allowedCidrs, List<Cidr> trustedProxies, S3Settings backupS3) {
    public OpsSettings {
        allowedCidrs = List.copyOf(allowedCidrs);
        trustedProxies = List.copyOf(trustedProxies);
    }
}
