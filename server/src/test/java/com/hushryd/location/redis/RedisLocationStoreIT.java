package com.hushryd.location.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hushryd.location.Location;
import com.hushryd.location.LocationStore;
import com.hushryd.location.LocationStoreContract;
import com.hushryd.realtime.Broker.RemoteMessage;
import com.hushryd.store.RedisUrl;
import com.hushryd.testing.TestRedis;
import io.lettuce.core.RedisClient;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

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
        return new RedisLocationStore(RedisUrl.parse(redis.url()), "test", ttl, clock);
    }

    @Test
    void put_publishesTheBroadcast_exactlyWhenItStores() throws Exception {
        byte[] channel = ("test-channel-" + UUID.randomUUID()).getBytes(StandardCharsets.UTF_8);
        List<String> heard = new CopyOnWriteArrayList<>();
        RedisClient client = RedisClient.create(redis.url());
        try (LocationStore store = create(Duration.ofMinutes(1), Clock.systemUTC());
                StatefulRedisPubSubConnection<byte[], byte[]> sub = client.connectPubSub(ByteArrayCodec.INSTANCE)) {
            sub.addListener(new RedisPubSubAdapter<>() {
                @Override
                public void message(byte[] ch, byte[] message) {
                    heard.add(new String(message, StandardCharsets.UTF_8));
                }
            });
            sub.sync().subscribe(channel);
            assertThat(store.publishes()).isTrue();
            UUID trip = UUID.randomUUID();
            Instant t = Instant.now().minusSeconds(5);
            Location newer = new Location(trip, UUID.randomUUID(), 1, 2, null, null, null, t);
            Location older = new Location(trip, newer.driverId(), 3, 4, null, null, null, t.minusSeconds(1));
            // binary-safe: the broker's envelope is not text
            byte[] message = {0, 1, 2, (byte) 0xff, 'a'};
            assertThat(store.put(newer, null, new RemoteMessage(channel, message, false)).toCompletableFuture()
                    .get(5, TimeUnit.SECONDS)).isTrue();
            assertThat(store.put(older, null, new RemoteMessage(channel,
                    "stale".getBytes(StandardCharsets.UTF_8), false))
                    .toCompletableFuture().get(5, TimeUnit.SECONDS)).isFalse();
            assertThat(store.latest(trip).toCompletableFuture().get(5, TimeUnit.SECONDS)).get()
                    .extracting(Location::lat).isEqualTo(1.0);
            // a marker stored after the stale put: the store publishes in command order on one connection, so had the
            // stale put published, its message would arrive before the marker
            Location newest = new Location(trip, newer.driverId(), 5, 6, null, null, null, t.plusSeconds(1));
            assertThat(store.put(newest, null, new RemoteMessage(channel,
                    "marker".getBytes(StandardCharsets.UTF_8), false))
                    .toCompletableFuture().get(5, TimeUnit.SECONDS)).isTrue();
            await().atMost(Duration.ofSeconds(5)).until(() -> heard.contains("marker"));
            assertThat(heard).containsExactly(new String(message, StandardCharsets.UTF_8), "marker");
        } finally {
            client.shutdown();
        }
    }
}
