package com.hushryd.location;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hushryd.location.memory.MemoryLocationStore;
import com.hushryd.location.redis.RedisLocationStore;
import com.hushryd.realtime.redis.RedisBroker;
import com.hushryd.store.RedisUrl;
import com.hushryd.testing.TestRedis;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The Redis store with the node's own copy: passes the contract, and keeps tracking through a Redis outage. */
class FailoverLocationStoreIT extends LocationStoreContract {
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
        return create(ttl, clock, new ConcurrentLinkedQueue<>());
    }

    private LocationStore redisStore(String node, Duration ttl, Clock clock) {
        RedisUrl url = RedisUrl.parse(redis.url());
        return new RedisLocationStore(url, node, started(new RedisBroker(url, node)), ttl, clock);
    }

    /** {@code settled}: write-backs waiting to run; the test decides when "Redis has settled". */
    private LocationStore create(Duration ttl, Clock clock, ConcurrentLinkedQueue<Runnable> settled) {
        return new FailoverLocationStore(redisStore("test", ttl, clock), new MemoryLocationStore(ttl, clock),
                l -> null, settled::add);
    }

    private static Location at(UUID trip, double lat, Instant t) {
        return new Location(trip, UUID.randomUUID(), lat, 73.85, 30.0, 90.0, 5.0, t);
    }

    @Test
    void redisDown_writesStayOnThisNodeAndSaySo_thenEverythingIsWrittenBackNewestWins() throws Exception {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        UUID kept = UUID.randomUUID();
        UUID overtaken = UUID.randomUUID();
        UUID driver = UUID.randomUUID();
        ConcurrentLinkedQueue<Runnable> settled = new ConcurrentLinkedQueue<>();
        try (LocationStore failover = create(Duration.ofMinutes(5), Clock.systemUTC(), settled);
                LocationStore otherNode = redisStore("other", Duration.ofMinutes(5), Clock.systemUTC())) {
            UUID before = UUID.randomUUID();
            LocationStore.Written healthy = get(failover.write(at(before, 17.0, now), null, null));
            assertThat(healthy.shared()).isTrue();
            redis.stop(); // and it comes back empty (no persistence)
            try {
                await().atMost(Duration.ofSeconds(10)).until(() -> !failover.reachable());
                LocationStore.Written w = get(failover.write(at(kept, 18.1, now), null, null));
                assertThat(w.stored()).isTrue();
                assertThat(w.shared()).as("not shared while Redis is down").isFalse();
                assertThat(get(failover.write(at(kept, 18.0, now.minusSeconds(1)), null, null)).stored())
                        .as("older than the kept one").isFalse();
                assertThat(get(failover.write(at(overtaken, 19.1, now), null, null)).shared()).isFalse();
                assertThat(get(failover.latest(kept))).map(Location::lat).contains(18.1);
                get(failover.available(driver, 18.5, 73.8));
                assertThat(get(failover.nearby(18.5, 73.8, 5, 10))).extracting(NearbyDriver::driverId)
                        .containsExactly(driver);
            } finally {
                redis.start();
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> failover.reachable() && otherNode.reachable());
            // another node wrote a newer location for one trip before this node's copy went back
            assertThat(get(otherNode.put(at(overtaken, 19.2, now.plusSeconds(1))))).isTrue();
            await().atMost(Duration.ofSeconds(10)).until(() -> !settled.isEmpty());
            for (Runnable r = settled.poll(); r != null; r = settled.poll()) {
                r.run();
            }
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
                assertThat(get(otherNode.latest(kept))).map(Location::lat).as("written back").contains(18.1);
                assertThat(get(otherNode.nearby(18.5, 73.8, 5, 10))).extracting(NearbyDriver::driverId)
                        .contains(driver);
            });
            assertThat(get(otherNode.latest(overtaken))).map(Location::lat).as("newest wins").contains(19.2);
            assertThat(get(otherNode.latest(before))).map(Location::lat).as("what the restarted Redis lost")
                    .contains(17.0);
            assertThat(get(failover.latest(overtaken))).map(Location::lat).contains(19.2);
            LocationStore.Written after = get(failover.write(at(kept, 18.2, now.plusSeconds(2)), null, null));
            assertThat(after.shared()).isTrue();
            assertThat(get(otherNode.latest(kept))).map(Location::lat).contains(18.2);
        }
    }
}
