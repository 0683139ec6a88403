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
    void redisDown_holdsPublishesWithoutBlocking_andPublishesThemOnceInOrderWhenItReturns() {
        b.subscribe("trip:d");
        awaitDelivery(() -> a.publish("trip:d", List.of(Frame.text("42[0]")), null), atB, 1);
        redis.stop();
        await().atMost(Duration.ofSeconds(10)).until(() -> !a.connected() && !b.connected());
        long start = System.nanoTime();
        for (int i = 1; i <= 100; i++) {
            a.publish("trip:d", List.of(Frame.text("42[" + i + "]")), null);
        }
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("publishing never waits for Redis")
                .isLessThan(Duration.ofSeconds(2));
        assertThat(a.stats().held()).isEqualTo(100);
        assertThat(a.stats().dropped()).isZero();
        atB.broadcasts.clear();
        redis.start();
        await().atMost(Duration.ofSeconds(10)).until(() -> atB.broadcasts.size() >= 100);
        assertThat(atB.broadcasts).as("each once, in publish order")
                .containsExactlyElementsOf(java.util.stream.IntStream.rangeClosed(1, 100)
                        .mapToObj(i -> received("trip:d", i)).toList());
        assertThat(a.stats().held()).isZero();
        assertThat(b.connected()).isTrue();
    }

    @Test
    void redisDown_beyondTheHoldBound_theOldestAreDroppedAndCounted() {
        RedisUrl url = RedisUrl.parse(redis.url());
        try (RedisBroker small = new RedisBroker(url, "small-" + UUID.randomUUID(), 3)) {
            small.start(new Broker.Receiver() {
                @Override
                public void onBroadcast(String room, List<Frame> frames, String exceptSocketId) {
                }

                @Override
                public void onControl(Broker.Control control) {
                }
            });
            b.subscribe("trip:o");
            awaitDelivery(() -> small.publish("trip:o", List.of(Frame.text("42[0]")), null), atB, 1);
            redis.stop();
            await().atMost(Duration.ofSeconds(10)).until(() -> !small.connected() && !b.connected());
            for (int i = 1; i <= 5; i++) {
                small.publish("trip:o", List.of(Frame.text("42[" + i + "]")), null);
            }
            assertThat(small.stats().held()).isEqualTo(3);
            assertThat(small.stats().dropped()).isEqualTo(2);
            atB.broadcasts.clear();
            redis.start();
            await().atMost(Duration.ofSeconds(10)).until(() -> atB.broadcasts.size() >= 3);
            assertThat(atB.broadcasts).containsExactly(received("trip:o", 3), received("trip:o", 4),
                    received("trip:o", 5));
        }
    }

    @Test
    void numbered_subscriptionLostDuringFanOut_theSubscriberGetsEveryOneOnceInOffsetOrder() throws Exception {
        ((RedisBroker) a).numberBroadcasts(10_000, Duration.ofMinutes(2));
        b.subscribe("trip:n");
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).until(() -> {
            a.publishNumbered("trip:n", List.of(Frame.text("42[0]")), null);
            return !atB.numbered.isEmpty();
        });
        Thread publisher = new Thread(() -> {
            for (int i = 1; i <= 400; i++) {
                assertThat(a.publishNumbered("trip:n", List.of(Frame.text("42[" + i + "]")), null)).isTrue();
                sleep(3);
            }
        });
        publisher.start();
        await().atMost(Duration.ofSeconds(10)).until(() -> atB.numbered.size() > 100);
        RedisClient admin = RedisConnector.client(RedisUrl.parse(redis.url()), "test-admin");
        try (StatefulRedisConnection<String, String> c = admin.connect()) {
            // the subscriber's connection drops in the middle of the fan-out (a blip; Redis keeps running)
            assertThat(c.sync().clientKill(io.lettuce.core.KillArgs.Builder.typePubsub())).isPositive();
        } finally {
            admin.shutdown();
        }
        publisher.join(60_000);
        await().atMost(Duration.ofSeconds(20)).until(() -> payloads(atB).contains(400));
        List<Long> offsets = atB.numbered.stream().map(n -> Long.parseLong(n.substring(0, n.indexOf('|')))).toList();
        for (int i = 1; i < offsets.size(); i++) {
            assertThat(offsets.get(i)).as("offsets strictly increasing: in order, none twice").isGreaterThan(
                    offsets.get(i - 1));
        }
        assertThat(payloads(atB)).as("every broadcast of the fan-out arrived").containsAll(
                java.util.stream.IntStream.rangeClosed(1, 400).boxed().toList());
    }

    @Test
    void numbered_acrossARedisRestart_nothingIsLostAndLaterOffsetsStayAboveEarlierOnes() {
        ((RedisBroker) a).numberBroadcasts(10_000, Duration.ofMinutes(2));
        b.subscribe("trip:r");
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).until(() -> {
            a.publishNumbered("trip:r", List.of(Frame.text("42[0]")), null);
            return !atB.numbered.isEmpty();
        });
        long before = Long.parseLong(atB.numbered.get(atB.numbered.size() - 1).split("\\|")[0]);
        redis.stop(); // Redis comes back empty: no sequence, no history
        await().atMost(Duration.ofSeconds(10)).until(() -> !a.connected() && !b.connected());
        for (int i = 1; i <= 20; i++) {
            // cannot be numbered now: the caller delivers it locally and publishes it plainly (held until Redis is back)
            if (!a.publishNumbered("trip:r", List.of(Frame.text("42[" + i + "]")), null)) {
                a.publish("trip:r", List.of(Frame.text("42[" + i + "]")), null);
            }
        }
        redis.start();
        await().atMost(Duration.ofSeconds(20)).until(() -> atB.broadcasts.size() >= 20);
        assertThat(atB.broadcasts).as("held during the outage, then published once, in order")
                .containsExactlyElementsOf(java.util.stream.IntStream.rangeClosed(1, 20)
                        .mapToObj(i -> received("trip:r", i)).toList());
        int seen = atB.numbered.size();
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100)).until(() -> {
            a.publishNumbered("trip:r", List.of(Frame.text("42[21]")), null);
            return atB.numbered.size() > seen;
        });
        long after = Long.parseLong(atB.numbered.get(atB.numbered.size() - 1).split("\\|")[0]);
        assertThat(after).as("a sequence started again after the restart stays above every earlier offset")
                .isGreaterThan(before);
    }

    private static java.util.Set<Integer> payloads(Recorder r) {
        java.util.Set<Integer> out = new java.util.HashSet<>();
        for (String n : r.numbered) {
            String frame = n.substring(n.lastIndexOf("42[") + 3, n.lastIndexOf(']'));
            out.add(Integer.parseInt(frame));
        }
        return out;
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** How the recorder notes the broadcast {@code 42[i]} to {@code room}. */
    private static String received(String room, int i) {
        return room + "|null|" + Frame.text("42[" + i + "]") + ";";
    }

    @org.junit.jupiter.api.AfterEach
    void stopRedis() {
        redis.close();
    }
}
