package com.hushryd.cache.redis;

import com.hushryd.cache.RemoteCache;
import com.hushryd.cache.RemoteCacheContract;
import com.hushryd.testing.TestRedis;
import com.hushryd.testing.TestRedisCluster;

/** The L2 cache contract on a Redis Cluster: values, tombstones, generations and invalidations to the other nodes. */
class RedisClusterRemoteCacheIT extends RemoteCacheContract {
    private static final String PREFIX = TestRedis.prefix();

    @Override
    protected RemoteCache create(String nodeId) {
        return new RedisRemoteCache(TestRedisCluster.redisUrl(), PREFIX, nodeId);
    }
}
