package com.hushryd.cache.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.hushryd.cache.RemoteCache;
import com.hushryd.cache.RemoteCacheContract;
import com.hushryd.cache.RemoteCacheContract.Heard;
import com.hushryd.store.RedisUrl;
import com.hushryd.testing.TcpProxy;
import com.hushryd.testing.TestRedis;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class RedisRemoteCacheIT extends RemoteCacheContract {
    private static final String PREFIX = TestRedis.prefix();

    @Override
    protected RemoteCache create(String nodeId) {
        return new RedisRemoteCache(TestRedis.redisUrl(), PREFIX, nodeId);
    }

    @AfterAll
    static void cleanUp() {
        TestRedis.deleteKeys(PREFIX);
    }

    @Test
    void whileRedisIsUnreachableCallsThrowForTheCallerToFallBack_andItServesAgainWhenRedisReturns() throws Exception {
        RedisUrl direct = TestRedis.redisUrl();
        try (TcpProxy proxy = new TcpProxy(direct.host(), direct.port());
                RemoteCache cache = new RedisRemoteCache(TestRedis.through(proxy.port()), PREFIX, "cut")) {
            cache.start(new Heard());
            cache.putIfAbsent("down", 0, "k", new byte[] {1}, Duration.ofMinutes(1));
            proxy.suspend();
            assertThatThrownBy(() -> cache.get("down", 0, "k")).isInstanceOf(RuntimeException.class);
            assertThatThrownBy(cache::ping).isInstanceOf(RuntimeException.class);
            proxy.resume();
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
                    .until(() -> cache.get("down", 0, "k") != null);
            assertThat(cache.get("down", 0, "k")).containsExactly(1);
        }
    }
}
