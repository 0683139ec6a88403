package com.hushryd.realtime;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.hushryd.testing.SocketIoAgent.Client;
import com.hushryd.testing.TcpProxy;
import com.hushryd.testing.TestRedis;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/** Connection state recovery on one Redis of the test's own, which it also stops. */
class RecoveryIT extends RecoveryContract {
    static TestRedis.Dedicated redis;

    @BeforeAll
    static void start() {
        redis = TestRedis.dedicated();
        startNodes(redis.url());
    }

    @AfterAll
    static void stop() {
        stopNodes();
        if (redis != null) {
            redis.close();
        }
    }

    @Test
    @Order(6)
    void redisDownWhenTheClientReturns_itConnectsUnrecovered_andRecoversNothing() throws Exception {
        Ride r = ride();
        try (TcpProxy proxy = new TcpProxy("127.0.0.1", b.port())) {
            Client passenger = viaProxy(proxy, r.passenger().token(), 3000);
            proxy.dropConnections();
            passenger.awaitNotice("disconnect", WAIT);
            redis.stop(); // the sessions and the history cannot be read
            try {
                JsonNode again = passenger.awaitNotice("connect", Duration.ofSeconds(30));
                assertThat(again.path("recovered").asBoolean()).as("no recovery without its store: " + again)
                        .isFalse();
            } finally {
                redis.start();
            }
        }
    }
}
