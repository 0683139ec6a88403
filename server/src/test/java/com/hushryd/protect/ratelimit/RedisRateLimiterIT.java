package com.hushryd.protect.ratelimit;

import com.hushryd.testing.TestRedis;
import org.junit.jupiter.api.AfterAll;

/** The contract on a real Redis, through the Lua script. */
class RedisRateLimiterIT extends RateLimiterContract {
    static final String PREFIX = TestRedis.prefix();

    @Override
    protected RateLimiter create() {
        return new RedisRateLimiter(TestRedis.redisUrl(), PREFIX, PENALTIES, "test");
    }

    @AfterAll
    static void cleanUp() {
        TestRedis.deleteKeys(PREFIX);
    }
}
