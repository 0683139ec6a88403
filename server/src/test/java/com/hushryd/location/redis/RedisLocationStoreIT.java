package com.hushryd.location.redis;

import com.hushryd.location.LocationStore;
import com.hushryd.location.LocationStoreContract;
import com.hushryd.realtime.redis.RedisBroker;
import com.hushryd.store.RedisUrl;
import com.hushryd.testing.TestRedis;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

class RedisLocationStoreIT extends LocationStoreContract {
    // the driver index is one key per Redis: a Redis of its own keeps tests from seeing each other's drivers
    static TestRedis.Dedicated redis;

    @BeforeAll
    static void startRedis() {
        redis = TestRedis.dedicated();
    }

    @AfterAll
    static void stopRedis() {
        redis.close();
    }

    @Override
    protected LocationStore create(Duration ttl, Clock clock) {
        RedisUrl url = RedisUrl.parse(redis.url());
        return new RedisLocationStore(url, "test", started(new RedisBroker(url, "test")), ttl, clock);
    }
}
