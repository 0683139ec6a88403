package com.hushryd.realtime.redis;

import com.hushryd.realtime.PresenceStore;
import com.hushryd.realtime.PresenceStoreContract;
import com.hushryd.testing.TestRedis;
import java.time.Clock;
import java.time.Duration;

class RedisPresenceStoreIT extends PresenceStoreContract {
    @Override
    protected PresenceStore[] create(Clock clock, Duration ttl) {
        return new PresenceStore[] {new RedisPresenceStore(TestRedis.redisUrl(), "node-a", ttl, clock),
                new RedisPresenceStore(TestRedis.redisUrl(), "node-b", ttl, clock)};
    }
}
