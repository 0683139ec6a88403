package com.hushryd.app;

import com.hushryd.common.LogFormat;
import com.hushryd.sos.SosSettings;
import com.hushryd.auth.Cidr;
import com.hushryd.jobs.QueueType;
import com.hushryd.jobs.WorkerPlan;
import com.hushryd.notify.NotifySettings;
import com.hushryd.protect.ProtectionSettings;
import com.hushryd.store.DatabaseUrl;
import com.hushryd.store.RedisUrl;
import com.hushryd.store.replica.ReplicaSettings;
import com.hushryd.uploads.UploadSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The validated, immutable configuration of one node. Built only by {@link ConfigLoader}; defaults are declared in
 * {@link Setting}.
 *
 * @param advertiseAddress the {@code host[:port]} the cluster registry publishes, or empty to derive it (see
 *                 {@link AdvertisedAddress})
 * @param database external PostgreSQL, or empty for the embedded one under {@code dataDir}
 * @param redis    Redis, or empty for in-process state
 * @param route    the name prefixed to this node's Engine.IO session ids, or empty for none
 * @param jwtSecret the signing secret, or empty to use the one generated once and kept in the database
 * @param workerQueues the queues this process works on ({@code serve} and {@code worker})
 * @param uploads  the object store of documents and the upload limits
 * @param replicas the read replicas (none: every read on the primary)
 * @param httpCompressionMinSize the smallest response body compressed, or -1 to never compress
 * @param ops      who may read the operational endpoints, scheduled backups and retention of bulky history
 */
public record Config(
        int port,
        String host,
        Optional<String> advertiseAddress,
        String nodeId,
        Optional<String> route,
        Path dataDir,
        Optional<DatabaseUrl> database,
        int dbPoolMax,
        int dbPoolMin,
        Duration dbPoolTimeout,
        Duration dbQueryTimeout,
        Optional<RedisUrl> redis,
        QueueType queueType,
        Optional<String> rabbitmqUrl,
        Optional<String> jwtSecret,
        Optional<String> jwtPreviousSecret,
        Duration jwtTtl,
        int bcryptCost,
        List<Cidr> adminAllowedCidrs,
        Optional<String> adminPhone,
        Optional<String> adminPassword,
        long httpBodyLimit,
        Duration httpBodyTimeout,
        int httpWorkerThreads,
        int eventLoops,
        Duration realtimePingInterval,
        Duration realtimePingTimeout,
        int realtimeMaxPayload,
        int realtimeMaxBuffered,
        List<String> realtimeCorsOrigins,
        int realtimeOutageHold,
        Duration realtimeRecoveryWindow,
        int realtimeRecoveryHistory,
        Duration presenceTtl,
        Duration locationTtl,
        Duration locationHistoryFlush,
        int locationHistoryBatch,
        int locationHistoryBuffer,
        Duration shutdownTimeout,
        Duration shutdownReadyGrace,
        LogFormat logFormat,
        String logLevel,
        boolean accessLog,
        WorkerPlan workerQueues,
        int workerConcurrency,
        Duration jobLease,
        int queueDepthWarn,
        NotifySettings notifications,
        SosSettings sos,
        com.hushryd.safety.SafetySettings safety,
        com.hushryd.share.ShareSettings share,
        UploadSettings uploads,
        ProtectionSettings protection,
        Duration idempotencyTtl,
        ReplicaSettings replicas,
        int httpCompressionMinSize,
        boolean realtimePerMessageDeflate,
        com.hushryd.ops.OpsSettings ops,
        Optional<String> consoleTileUrl) {

    public Config {
        adminAllowedCidrs = List.copyOf(adminAllowedCidrs);
        realtimeCorsOrigins = List.copyOf(realtimeCorsOrigins);
    }

    /** The configuration as log-safe text: secrets and passwords are masked. */
    public String describe() {
        return "port=" + port + " host=" + host + " nodeId=" + nodeId + route.map(r -> " route=" + r).orElse("") + " dataDir=" + dataDir
                + " database=" + database.map(DatabaseUrl::redacted).orElse("embedded")
                + (replicas.urls().isEmpty() ? "" : " readReplicas=" + replicas.urls().stream()
                        .map(DatabaseUrl::redacted).toList() + " replicaMaxLag=" + replicas.maxLag())
                + " pool=" + dbPoolMin + ".." + dbPoolMax
                + " redis=" + redis.map(RedisUrl::redacted).orElse("none")
                + " queue=" + queueType.name().toLowerCase()
                + " jwtSecret=" + (jwtSecret.isPresent() ? "set" : "generated")
                + " jwtPreviousSecret=" + (jwtPreviousSecret.isPresent() ? "set" : "none")
                + " adminCidrs=" + adminAllowedCidrs + " opsCidrs=" + ops.allowedCidrs()
                + " workerQueues=" + (workerQueues.builtIn() ? "all" : workerQueues.queues().stream()
                        .map(q -> q.queue() + ":" + q.concurrency() + ":" + q.ratePerMinute()).toList())
                + " jobLease=" + jobLease
                + " objectStore=" + uploads.store().name().toLowerCase()
                + uploads.s3().map(s3 -> " s3=" + s3).orElse("")
                + " rateLimits=" + (protection.rateLimits() == null ? "off" : protection.rateLimits().anonymous() + ","
                        + protection.rateLimits().authenticated() + "," + protection.rateLimits().premium() + ","
                        + protection.rateLimits().critical() + "," + protection.rateLimits().upload());
    }
}
