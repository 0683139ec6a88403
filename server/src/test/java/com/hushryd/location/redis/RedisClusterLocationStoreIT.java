package com.hushryd.location.redis;

import static org.assertj.core.api.Assertions.assertThat;

import com.hushryd.location.LocationStore;
import com.hushryd.location.LocationStoreContract;
import com.hushryd.location.NearbyDriver;
import com.hushryd.realtime.redis.RedisBroker;
import com.hushryd.testing.TestRedisCluster;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The location contract on a Redis Cluster, and a search across the edges of the geo index's area cells. */
class RedisClusterLocationStoreIT extends LocationStoreContract {
    @Override
    protected LocationStore create(Duration ttl, Clock clock) {
        return new RedisLocationStore(TestRedisCluster.redisUrl(), "test",
                started(new RedisBroker(TestRedisCluster.redisUrl(), "test")), ttl, clock);
    }

    @Test
    void nearby_driversInNeighbouringCells_areFoundAndMerged_nearestFirst() throws Exception {
        // 0.5° cells: 12.999/77.499 and 13.001/77.501 sit in four different cells around the corner 13.0/77.5
        try (LocationStore store = create(Duration.ofMinutes(1), Clock.systemUTC())) {
            UUID a = UUID.randomUUID();
            UUID b = UUID.randomUUID();
            UUID c = UUID.randomUUID();
            store.available(a, 12.9990, 77.4990).toCompletableFuture().get(5, TimeUnit.SECONDS);
            store.available(b, 13.0010, 77.5010).toCompletableFuture().get(5, TimeUnit.SECONDS);
            store.available(c, 12.9990, 77.5010).toCompletableFuture().get(5, TimeUnit.SECONDS);
            List<NearbyDriver> found = store.nearby(13.0011, 77.5011, 1, 10).toCompletableFuture()
                    .get(5, TimeUnit.SECONDS);
            assertThat(found).extracting(NearbyDriver::driverId).startsWith(b).contains(a, c);
            // a driver moving into another cell leaves the first one
            assertThat(store.refresh(a, 13.0012, 77.5012).toCompletableFuture().get(5, TimeUnit.SECONDS)).isTrue();
            List<NearbyDriver> after = store.nearby(12.9990, 77.4990, 0.05, 10).toCompletableFuture()
                    .get(5, TimeUnit.SECONDS);
            assertThat(after).extracting(NearbyDriver::driverId).doesNotContain(a);
            store.unavailable(a).toCompletableFuture().get(5, TimeUnit.SECONDS);
            store.unavailable(b).toCompletableFuture().get(5, TimeUnit.SECONDS);
            store.unavailable(c).toCompletableFuture().get(5, TimeUnit.SECONDS);
            assertThat(store.nearby(13.0, 77.5, 1, 10).toCompletableFuture().get(5, TimeUnit.SECONDS))
                    .extracting(NearbyDriver::driverId).doesNotContain(a, b, c);
        }
    }
}
