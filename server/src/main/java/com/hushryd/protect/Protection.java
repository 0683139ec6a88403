package com.hushryd.protect;

import com.hushryd.http.Admission;
import com.hushryd.common.ApiException;
import com.hushryd.protect.ratelimit.Decision;
import com.hushryd.protect.ratelimit.RateLimitPolicy;
import com.hushryd.protect.ratelimit.RateLimiter;
import com.hushryd.protect.shedding.LoadShedder;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The node's admission: the load shedder first (cheap, local), then the rate limiter (one decision per request, in
 * the bucket {@link RateLimitPolicy} picks). Every response of a limited route carries the IETF {@code RateLimit}
 * and {@code RateLimit-Policy} headers; a refused request gets 429 with {@code Retry-After} as well.
 */
public final class Protection implements Admission {
    private final LoadShedder shedder;
    private final RateLimiter limiter;
    private final RateLimitPolicy policy;
    private final ProtectMetrics metrics;

    /** {@code limiter} null: no rate limits (RATE_LIMIT_ENABLED=false). */
    public Protection(LoadShedder shedder, RateLimiter limiter, RateLimitPolicy policy, ProtectMetrics metrics) {
        this.shedder = shedder;
        this.limiter = limiter;
        this.policy = policy;
        this.metrics = metrics;
    }

    @Override
    public CompletionStage<Ticket> admit(Call call) {
        Runnable release;
        try {
            release = shedder.admit(call.routeClass());
        } catch (ApiException e) {
            metrics.shed(call.routeClass().name().toLowerCase(Locale.ROOT));
            return CompletableFuture.failedFuture(e);
        }
        java.util.function.LongConsumer started = queued -> shedder.started(call.routeClass(), queued);
        if (limiter == null) {
            return CompletableFuture.completedFuture(Ticket.of(Map.of(), release, started));
        }
        RateLimitPolicy.Bucket bucket = policy.bucket(call);
        return limiter.acquire(bucket.key(), bucket.limit()).handle((d, e) -> {
            if (e != null) {
                release.run();
                throw e instanceof RuntimeException r ? r : new IllegalStateException(e);
            }
            metrics.rateLimit(bucket.limit().name(), d.allowed());
            Map<String, String> headers = headers(bucket, d);
            if (!d.allowed()) {
                release.run();
                headers.put("Retry-After", Long.toString(d.retryAfterSeconds()));
                throw new ApiException(429, "RATE_LIMITED", "too many requests; retry after "
                        + d.retryAfterSeconds() + " s", Map.of("retryAfterSeconds", d.retryAfterSeconds(),
                                "policy", bucket.limit().name(), "limit", bucket.limit().requests(),
                                "windowSeconds", bucket.limit().window().toSeconds()), headers);
            }
            return Ticket.of(headers, release, started);
        });
    }

    private static Map<String, String> headers(RateLimitPolicy.Bucket bucket, Decision d) {
        Map<String, String> h = new LinkedHashMap<>();
        String name = bucket.limit().name();
        h.put("RateLimit-Policy", bucket.limit().policyHeader());
        h.put("RateLimit", "\"" + name + "\";r=" + d.remaining() + ";t=" + (d.allowed() ? d.resetSeconds()
                : d.retryAfterSeconds()));
        return h;
    }

    public LoadShedder shedder() {
        return shedder;
    }
}
