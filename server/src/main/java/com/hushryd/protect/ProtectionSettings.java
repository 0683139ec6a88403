package com.hushryd.protect;

import com.hushryd.auth.Cidr;
import com.hushryd.protect.breaker.BreakerPolicy;
import com.hushryd.protect.ratelimit.Limit;
import com.hushryd.protect.ratelimit.Penalties;
import com.hushryd.protect.shedding.LoadShedder;
import java.time.Duration;
import java.util.List;

/**
 * Rate limits, load shedding, circuit breakers, reserved capacity and cache lifetimes of a node; defaults are declared
 * in {@code app.Setting} (seed 001's tiers and breaker thresholds, seed 000's route classes, seed 002's TTLs).
 *
 * @param rateLimits       null when rate limiting is off (RATE_LIMIT_ENABLED=false)
 * @param criticalThreads  worker threads reserved for never-shed routes
 * @param criticalPool     database connections reserved for critical routes
 * @param criticalYield    main-pool connections in use at most while an SOS is being written
 */
public record ProtectionSettings(RateLimits rateLimits, LoadShedder.Limits shedding, int criticalThreads,
        int criticalPool, int criticalYield, BreakerPolicy database, BreakerPolicy redis, Duration profileTtl, Duration tripTtl,
        Duration searchTtl, Duration sessionTtl) {

    /**
     * The quotas of seed 001's tiers and seed 000's route classes, penalties, the proxies trusted for XFF, and the
     * events one socket may send ({@code socketEvents}, counted per socket on its node).
     */
    public record RateLimits(Limit anonymous, Limit authenticated, Limit premium, Limit critical, Limit upload,
            Penalties penalties, List<Cidr> trustedProxies, Limit socketEvents) {
        public RateLimits {
            trustedProxies = List.copyOf(trustedProxies);
        }
    }
}
