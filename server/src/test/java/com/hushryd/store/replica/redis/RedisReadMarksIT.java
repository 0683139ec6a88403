package com.hushryd.store.replica.redis;

import static org.assertj.core.api.Assertions.assertThat;

import com.hushryd.store.replica.ReadMarks;
import com.hushryd.store.replica.ReadMarksContract;
import com.hushryd.testing.TestRedis;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The Redis marks pass the contract, and two nodes see each other's marks (the greater wins whatever the order). */
class RedisReadMarksIT extends ReadMarksContract {
    private final String prefix = TestRedis.prefix();

    @Override
    protected ReadMarks create() {
        return new RedisReadMarks(TestRedis.redisUrl(), prefix, "test-node", TTL);
    }

    @Test
    void twoNodes_seeEachOthersMarks_greaterWins() {
        try (ReadMarks a = create(); ReadMarks b = create()) {
            UUID user = UUID.randomUUID();
            a.remember(user, 0xAB_0000_0000L);
            b.remember(user, 0x0F_0000_0000L);
            assertThat(b.mark(user)).isEqualTo(0xAB_0000_0000L);
            b.remember(user, 0xAC_0000_0000L);
            assertThat(a.mark(user)).isEqualTo(0xAC_0000_0000L);
        }
    }
}
