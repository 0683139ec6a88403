package com.hushryd.store.replica.redis;

import com.hushryd.store.replica.ReadMarks;
import com.hushryd.store.replica.ReadMarksContract;
import com.hushryd.testing.TestRedis;
import com.hushryd.testing.TestRedisCluster;

/** The read-your-writes marks contract on a Redis Cluster. */
class RedisClusterReadMarksIT extends ReadMarksContract {
    private final String prefix = TestRedis.prefix();

    @Override
    protected ReadMarks create() {
        return new RedisReadMarks(TestRedisCluster.redisUrl(), prefix, "test-node", TTL);
    }
}
