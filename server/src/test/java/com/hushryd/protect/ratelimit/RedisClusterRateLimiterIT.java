package com.hushryd.protect.ratelimit;

import com.hushryd.testing.TestRedis;
import com.hushryd.testing.TestRedisCluster;

/** The rate-limit contract on a Redis Cluster, through the Lua script. */
class RedisClusterRateLimiterIT extends RateLimiterContract {
    static final String PREFIX = TestRedis.prefix();

    @Override
    protected RateLimiter create() {
        return new RedisRateLimiter(TestRedisCluster.redisUrl(), PREFIX, PENALTIES, "test");
    }
}
