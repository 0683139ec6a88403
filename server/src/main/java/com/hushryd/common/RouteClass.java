package com.hushryd.common;

/**
 * What a route is to the node's protection: how early it is shed under overload and which rate-limit bucket it draws
 * from. {@link #NORMAL} is the default of {@link ApiRouter#api(io.vertx.core.http.HttpMethod, String,
 * ApiRouter.Access, ApiHandler)}.
 */
public enum RouteClass {
    /** SOS and live tracking: never shed, own bucket (RATE_LIMIT_CRITICAL) so no other traffic can exhaust it. */
    CRITICAL(Shed.NEVER, Bucket.CRITICAL),
    /** Login, registration, logout: never shed (a user must be able to get in), limited like normal traffic. */
    AUTH(Shed.NEVER, Bucket.TIER),
    /** Everything else that serves a user now: shed when the node is overloaded. */
    NORMAL(Shed.OVERLOADED, Bucket.TIER),
    /** Upload URLs: shed like normal, own bucket (RATE_LIMIT_UPLOAD). */
    UPLOAD(Shed.OVERLOADED, Bucket.UPLOAD),
    /** Work that can wait (bulk admin operations): shed first, as soon as the node is busy. */
    BACKGROUND(Shed.BUSY, Bucket.TIER);

    /** From which load level on requests of a class are refused with 503. */
    public enum Shed {
        BUSY, OVERLOADED, NEVER
    }

    /** Which rate-limit bucket a request of this class draws from. */
    public enum Bucket {
        TIER, CRITICAL, UPLOAD
    }

    private final Shed shed;
    private final Bucket bucket;

    RouteClass(Shed shed, Bucket bucket) {
        this.shed = shed;
        this.bucket = bucket;
    }

    public Shed shed() {
        return shed;
    }

    public Bucket bucket() {
        return bucket;
    }
}
