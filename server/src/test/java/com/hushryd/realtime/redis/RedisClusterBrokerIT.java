package com.hushryd.realtime.redis;

import static org.assertj.core.api.Assertions.assertThat;

import com.hushryd.realtime.Broker;
import com.hushryd.realtime.BrokerContract;
import com.hushryd.testing.TestRedisCluster;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The broker contract on a Redis Cluster (Redis 7: rooms are shard channels, SPUBLISH/SSUBSCRIBE). */
class RedisClusterBrokerIT extends BrokerContract {
    @Override
    protected Broker[] createPair() {
        String run = UUID.randomUUID().toString().substring(0, 6);
        return new Broker[] {new RedisBroker(TestRedisCluster.redisUrl(), "a-" + run),
                new RedisBroker(TestRedisCluster.redisUrl(), "b-" + run)};
    }

    @Test
    void onRedis7_roomsAreShardChannels() {
        assertThat(((RedisBroker) a).sharded()).isTrue();
    }
}
