package com.hushryd.location;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What every {@link LocationStore} must do. Expiry uses a short real TTL (Redis expires keys on its own clock). */
public abstract class LocationStoreContract {
    protected static final Duration TTL = Duration.ofSeconds(2);
    protected LocationStore store;

    protected abstract LocationStore create(Duration ttl, Clock clock);

    @BeforeEach
    void open() {
        store = create(TTL, Clock.systemUTC());
    }

    @AfterEach
    void close() {
        store.close();
        brokers.forEach(com.hushryd.realtime.Broker::close);
    }

    private final List<com.hushryd.realtime.Broker> brokers = new java.util.concurrent.CopyOnWriteArrayList<>();

    /** {@code broker} started (hearing nothing) and closed after the test, for a store keeping latest locations in it. */
    protected <B extends com.hushryd.realtime.Broker> B started(B broker) {
        broker.start(new com.hushryd.realtime.Broker.Receiver() {
            @Override
            public void onBroadcast(String room, List<com.hushryd.realtime.engineio.Frame> frames, String except) {
            }

            @Override
            public void onControl(com.hushryd.realtime.Broker.Control control) {
            }
        });
        brokers.add(broker);
        return broker;
    }

    protected static <T> T get(CompletionStage<T> stage) throws Exception {
        return stage.toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    private static Location at(UUID trip, double lat, Instant t) {
        return new Location(trip, UUID.randomUUID(), lat, 77.59, 40.0, 90.0, 5.0, t);
    }

    @Test
    void put_thenLatest_returnsTheAcknowledgedLocation() throws Exception {
        UUID trip = UUID.randomUUID();
        Instant t = Instant.parse("2026-11-21T10:00:00.123Z");
        Location l = at(trip, 12.97, t);
        assertThat(get(store.latest(trip))).isEmpty();
        assertThat(get(store.put(l))).isTrue();
        assertThat(get(store.latest(trip))).contains(l);
    }

    @Test
    void olderOrEqualUpdate_neverOverwritesTheStoredOne() throws Exception {
        UUID trip = UUID.randomUUID();
        Instant t = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
        Location newer = at(trip, 12.0, t);
        assertThat(get(store.put(newer))).isTrue();
        assertThat(get(store.put(at(trip, 11.0, t.minusSeconds(1))))).isFalse();
        assertThat(get(store.put(at(trip, 13.0, t)))).as("same timestamp").isFalse();
        assertThat(get(store.latest(trip)).orElseThrow().lat()).isEqualTo(12.0);
        assertThat(get(store.put(at(trip, 14.0, t.plusMillis(1))))).isTrue();
        assertThat(get(store.latest(trip)).orElseThrow().lat()).isEqualTo(14.0);
    }

    @Test
    void latestLocation_expiresAfterTheTtl() throws Exception {
        UUID trip = UUID.randomUUID();
        get(store.put(at(trip, 10, Instant.now())));
        await().atMost(Duration.ofSeconds(6)).until(() -> get(store.latest(trip)).isEmpty());
    }

    @Test
    void nearby_findsAvailableDriversNearestFirst_withDistances() throws Exception {
        UUID near = UUID.randomUUID();
        UUID far = UUID.randomUUID();
        UUID outside = UUID.randomUUID();
        double lat = 12.9716;
        double lng = 77.5946;
        get(store.available(far, lat + 0.02, lng));
        get(store.available(near, lat + 0.005, lng));
        get(store.available(outside, lat + 1.0, lng));
        List<NearbyDriver> found = get(store.nearby(lat, lng, 5, 10));
        assertThat(found).extracting(NearbyDriver::driverId).containsExactly(near, far);
        assertThat(found.get(0).distanceKm()).isCloseTo(Geo.distanceKm(lat, lng, lat + 0.005, lng), within(0.01));
        assertThat(found.get(0).lat()).isCloseTo(lat + 0.005, within(0.0001));
        assertThat(found.get(0).lastSeen()).isNotNull();
        assertThat(get(store.nearby(lat, lng, 5, 1))).hasSize(1);
    }

    @Test
    void refresh_movesOnlineDrivers_andIgnoresOfflineOnes() throws Exception {
        UUID online = UUID.randomUUID();
        UUID offline = UUID.randomUUID();
        get(store.available(online, 10, 10));
        assertThat(get(store.refresh(online, 10.001, 10))).isTrue();
        assertThat(get(store.refresh(offline, 10.001, 10))).isFalse();
        assertThat(get(store.nearby(10, 10, 1, 10))).extracting(NearbyDriver::driverId).containsExactly(online);
        get(store.unavailable(online));
        assertThat(get(store.nearby(10, 10, 1, 10))).isEmpty();
        assertThat(get(store.refresh(online, 10, 10))).as("offline after unavailable").isFalse();
    }

    @Test
    void driverWhoStopsSending_dropsOutAfterTheTtl() throws Exception {
        UUID quiet = UUID.randomUUID();
        get(store.available(quiet, 20, 20));
        assertThat(get(store.nearby(20, 20, 1, 10))).hasSize(1);
        await().atMost(Duration.ofSeconds(6)).until(() -> get(store.nearby(20, 20, 1, 10)).isEmpty());
        assertThat(get(store.refresh(quiet, 20, 20))).isFalse();
    }
}
