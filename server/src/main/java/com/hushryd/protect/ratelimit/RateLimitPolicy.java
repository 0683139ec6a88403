package com.hushryd.protect.ratelimit;

import com.hushryd.auth.Principal;
import com.hushryd.auth.Role;
import com.hushryd.http.Admission;

/**
 * Which bucket a request draws from (seed 001's tiers, seed 000's route classes). Per-user buckets for signed-in
 * callers and per-IP buckets for anonymous ones, so one client exhausting its quota never touches another's; critical
 * and upload routes have buckets of their own, so no other traffic can exhaust them.
 *
 * @param anonymous     per client IP, on public routes
 * @param authenticated per user
 * @param premium       per user, for premium callers (admins until accounts carry a plan)
 * @param critical      per user (or IP), SOS and tracking
 * @param upload        per user (or IP), upload URLs
 */
public record RateLimitPolicy(Limit anonymous, Limit authenticated, Limit premium, Limit critical, Limit upload,
        ClientIp clientIp) {

    /** A bucket: its key (unique per client and quota) and quota. */
    public record Bucket(String key, Limit limit) {
    }

    public Bucket bucket(Admission.Call call) {
        Principal p = call.principal();
        String who = p != null ? "u:" + p.userId() : "ip:" + clientIp.resolve(call.peer(), call.forwardedFor());
        return switch (call.routeClass().bucket()) {
            case CRITICAL -> new Bucket("critical:" + who, critical);
            case UPLOAD -> new Bucket("upload:" + who, upload);
            case TIER -> {
                Limit tier = p == null ? anonymous : p.role() == Role.ADMIN ? premium : authenticated;
                yield new Bucket(tier.name() + ":" + who, tier);
            }
        };
    }
}
