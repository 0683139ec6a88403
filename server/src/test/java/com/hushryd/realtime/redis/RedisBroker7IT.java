package com.hushryd.realtime.redis;

import static org.assertj.core.api.Assertions.assertThat;

import com.hushryd.realtime.Broker;
import com.hushryd.realtime.BrokerContract;
import com.hushryd.realtime.engineio.Frame;
import com.hushryd.store.RedisUrl;
import com.hushryd.testing.TestRedisCluster;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The broker contract on one Redis 7 (not a cluster): rooms are shard channels there too. */
class RedisBroker7IT extends BrokerContract {
    static Process redis;
    static int port;

    @BeforeAll
    static void start() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        redis = TestRedisCluster.standalone(port);
    }

    @AfterAll
    static void stop() {
        redis.destroyForcibly();
    }

    @Override
    protected Broker[] createPair() {
        String run = UUID.randomUUID().toString().substring(0, 6);
        RedisUrl url = RedisUrl.parse("redis://127.0.0.1:" + port);
        return new Broker[] {new RedisBroker(url, "a-" + run), new RedisBroker(url, "b-" + run)};
    }

    @Test
    void onRedis7_roomsAreShardChannels_andNumberedBroadcastsComeBackToThePublisher() {
        assertThat(((RedisBroker) a).sharded()).isTrue();
        ((RedisBroker) a).numberBroadcasts(100, Duration.ofMinutes(1));
        a.subscribe("trip:n7");
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
                .until(() -> {
                    a.publishNumbered("trip:n7", List.of(Frame.text("42[1]")), null);
                    return !atA.numbered.isEmpty();
                });
    }
}
