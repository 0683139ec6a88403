package com.hushryd.protect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.hushryd.store.RedisConnector;
import com.hushryd.store.RedisUrl;
import com.hushryd.testing.HttpResult;
import com.hushryd.testing.SocketIoAgent;
import com.hushryd.testing.SocketIoAgent.Client;
import com.hushryd.testing.TestNode;
import com.hushryd.testing.TestNode.Account;
import com.hushryd.testing.TestRedis;
import io.lettuce.core.RedisClient;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Redis is stopped under a running node and started again: the API keeps serving with this node's own rate limits,
 * cache misses and database-backed token checks, realtime delivery stays local, the Redis breaker opens, and
 * everything returns to Redis by itself.
 */
class RedisOutageIT {
    private static String redisBreaker(TestNode node) {
        JsonNode h = node.api().get("/health", null).json();
        return h.path("checks").path("breakers").path("breakers").path("redis").path("state").asText();
    }

    private static boolean bucketInRedis(TestRedis.Dedicated redis, String userId) {
        RedisClient admin = RedisConnector.client(RedisUrl.parse(redis.url()), "test");
        try (var c = admin.connect()) {
            return c.sync().exists("hushryd:rl:{authenticated:u:" + userId + "}") == 1;
        } finally {
            admin.shutdown();
        }
    }

    @Test
    void redisDown_apiServesWithLocalLimits_realtimeStaysLocal_andEverythingReturnsToRedis() {
        try (TestRedis.Dedicated redis = TestRedis.dedicated();
                TestNode node = TestNode.start(Map.of("REDIS_URL", redis.url(), "RATE_LIMIT_AUTHENTICATED", "8/1h",
                        "REDIS_BREAKER_THRESHOLD", "2", "REDIS_BREAKER_OPEN", "1s"));
                SocketIoAgent agent = SocketIoAgent.start()) {
            Account driver = node.register("driver");
            Account rider = node.register("passenger");
            String trip = node.createTrip(driver, "Pune", "Lonavala", 1, 3, 200);
            assertThat(node.api().get("/api/v1/trips/" + trip, rider.token()).status()).isEqualTo(200);
            assertThat(bucketInRedis(redis, rider.id())).isTrue();
            Client socket = agent.connect("r-" + UUID.randomUUID(), node.api().base(), rider.token());

            redis.stop();
            Account fresh = node.register("passenger"); // anonymous quota decided locally, account in PostgreSQL
            int allowed = 0;
            HttpResult last = null;
            for (int i = 0; i < 10; i++) {
                last = node.api().get("/api/v1/trips/" + trip, fresh.token());
                if (last.status() == 200) {
                    allowed++;
                    assertThat(last.header("RateLimit")).startsWith("\"authenticated\";");
                    assertThat(last.json().path("seatsAvailable").asInt()).isEqualTo(3);
                } else {
                    assertThat(last.status()).as(last.text()).isEqualTo(429);
                }
            }
            assertThat(allowed).as("the quota still holds, per node").isEqualTo(8);
            assertThat(node.api().get("/api/v1/me", driver.token()).status()).isEqualTo(200);
            await().atMost(Duration.ofSeconds(10)).until(() -> redisBreaker(node).matches("open|half_open"));
            assertThat(node.api().get("/health", null).json().path("checks").path("breakers").path("status")
                    .asText()).isEqualTo("DEGRADED");

            node.node().gateway().broadcastToUser(UUID.fromString(rider.id()), "notification", Map.of("n", 7));
            assertThat(socket.awaitEvent("notification").get(0).path("n").asInt()).as("local delivery continues")
                    .isEqualTo(7);

            redis.start();
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(300)).until(() -> {
                node.api().get("/api/v1/me", driver.token());
                return redisBreaker(node).equals("closed");
            });
            await().atMost(Duration.ofSeconds(10)).until(() -> {
                node.api().get("/api/v1/me", rider.token());
                return bucketInRedis(redis, rider.id());
            });
        }
    }
}
