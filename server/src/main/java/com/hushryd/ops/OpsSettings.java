package com.hushryd.ops;

import com.hushryd.auth.Cidr;
import com.hushryd.uploads.S3Settings;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Operational settings of a node.
 *
 * @param allowedCidrs   networks that may read {@code /metrics} and the detailed {@code /health} (OPS_ALLOWED_CIDRS)
 * @param trustedProxies proxies whose {@code X-Forwarded-For} names the client (TRUSTED_PROXIES)
 * @param backupS3       how to reach the S3-compatible store of {@code s3://} backup locations (S3_* settings; the
 *                       bucket is the location's)
 * @param backupEvery    the interval of scheduled backups (BACKUP_SCHEDULE), empty when off
 * @param backupTo       where scheduled backups go (BACKUP_TO), present when they are on
 * @param retention      how long bulky history is kept
 */
public record OpsSettings(List<Cidr> allowedCidrs, List<Cidr> trustedProxies, S3Settings backupS3,
        Optional<Duration> backupEvery, Optional<String> backupTo, Retention retention) {

    /**
     * Ages after which history is pruned (zero: kept forever). SOS alerts, their notifications, tracks and timelines
     * are never pruned.
     *
     * @param interval how often the cluster runs the prune job (RETENTION_INTERVAL)
     */
    public record Retention(Duration interval, Duration routePoints, Duration chat, Duration jobs,
            Duration notifications) {
    }

    public OpsSettings {
        allowedCidrs = List.copyOf(allowedCidrs);
        trustedProxies = List.copyOf(trustedProxies);
    }
}
