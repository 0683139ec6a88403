package com.hushryd.realtime.redis;

import com.hushryd.realtime.PresenceStore;
import com.hushryd.realtime.PresenceStoreContract;
import com.hushryd.testing.TestRedisCluster;
import java.time.Clock;
import java.time.Duration;

/** The presence contract on a Redis Cluster of 3 masters and 3 replicas. */
class RedisClusterPresenceStoreIT extends PresenceStoreContract {
    @Override
    protected PresenceStore[] create(Clock clock, Duration ttl) {
        return new PresenceStore[] {new RedisPresenceStore(TestRedisCluster.redisUrl(), "node-a", ttl, clock),
                new RedisPresenceStore(TestRedisCluster.redisUrl(), "node-b", ttl, clock)};
    }
}
