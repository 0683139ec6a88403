package com.hushryd.realtime.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hushryd.realtime.Broker;
import com.hushryd.realtime.BrokerContract;
import com.hushryd.realtime.engineio.Frame;
import com.hushryd.store.RedisConnector;
import com.hushryd.store.RedisUrl;
import com.hushryd.testing.TestRedis;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class RedisBrokerIT extends BrokerContract {
    private TestRedis.Dedicated redis;

    @Override
    protected Broker[] createPair() {
        redis = TestRedis.dedicated();
        RedisUrl url = RedisUrl.parse(redis.url());
        String run = UUID.randomUUID().toString().substring(0, 6);
        return new Broker[] {new RedisBroker(url, "a-" + run), new RedisBroker(url, "b-" + run)};
    }

    @Test
    void killedPubSubConnection_isRestoredWithItsSubscriptions() {
        b.subscribe("trip:k");
        awaitDelivery(() -> a.publish("trip:k", List.of(Frame.text("42[\"before\"]")), null), atB, 1);
        RedisClient admin = RedisConnector.client(RedisUrl.parse(redis.url()), "test-admin");
        try (StatefulRedisConnection<String, String> c = admin.connect()) {
            // what a network blip or a Redis failover does to the subscriber connection
            assertThat(c.sync().clientKill(io.lettuce.core.KillArgs.Builder.typePubsub())).isPositive();
        } finally {
            admin.shutdown();
        }
        atB.broadcasts.clear();
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200)).until(() -> {
            a.publish("trip:k", List.of(Frame.text("42[\"after\"]")), null);
            return !atB.broadcasts.isEmpty();
        });
        assertThat(atB.broadcasts.get(0)).contains("after");
    }

    @Test
    void redisDown_dropsPublishesWithoutBlocking_andRecovers() {
        b.subscribe("trip:d");
        awaitDelivery(() -> a.publish("trip:d", List.of(Frame.text("42[1]")), null), atB, 1);
        redis.stop();
        long start = System.nanoTime();
        for (int i = 0; i < 100; i++) {
            a.publish("trip:d", List.of(Frame.text("42[2]")), null);
        }
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("publishing never waits for Redis")
                .isLessThan(Duration.ofSeconds(2));
        await().atMost(Duration.ofSeconds(10)).until(() -> a.stats().dropped() > 0 && !b.connected());
        redis.start();
        atB.broadcasts.clear();
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(300)).until(() -> {
            a.publish("trip:d", List.of(Frame.text("42[3]")), null);
            return !atB.broadcasts.isEmpty();
        });
        assertThat(b.connected()).isTrue();
    }

    @org.junit.jupiter.api.AfterEach
    void stopRedis() {
        redis.close();
    }
}
