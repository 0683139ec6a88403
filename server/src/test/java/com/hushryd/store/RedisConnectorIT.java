package com.hushryd.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.hushryd.testing.TestRedis;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class RedisConnectorIT {

    @Test
    void sharedRedis_answersCommands() {
        RedisClient client = RedisConnector.client(TestRedis.redisUrl(), "test");
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            String key = TestRedis.prefix() + "k";
            c.sync().set(key, "v");
            assertThat(c.sync().get(key)).isEqualTo("v");
            c.sync().del(key);
        } finally {
            client.shutdown();
        }
    }

    @Test
    void connection_failsFastWhileRedisIsDown_andRecoversWhenItReturns() {
        try (TestRedis.Dedicated redis = TestRedis.dedicated()) {
            RedisClient client = RedisConnector.client(RedisUrl.parse(redis.url()), "test");
            try (StatefulRedisConnection<String, String> c = client.connect()) {
                c.sync().set("k", "1");
                redis.stop();
                assertThatThrownBy(() -> c.sync().get("k")).isInstanceOf(RuntimeException.class);
                redis.start();
                await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
                        .until(() -> "PONG".equals(c.sync().ping()));
                assertThat(c.sync().get("k")).as("a restarted embedded Redis is empty").isNull();
            } finally {
                client.shutdown();
            }
        }
    }
}
