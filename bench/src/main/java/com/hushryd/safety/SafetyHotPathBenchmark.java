package com.hushryd.safety;

import com.hushryd.location.Location;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * What the trip safety monitor adds to one location update on the hot path ({@code SafetyMonitor.onLocation}): for a
 * trip this node holds (the map lookup and the evaluator's arithmetic), and for a trip another node holds (the
 * lookup only). {@code baseline} is the same loop building the location without the monitor, to subtract. Trips move
 * 200 m per update along a 1,000 km line at 40 km/h (nothing to detect). In package {@code com.hushryd.safety} to reach
 * the evaluator; run with {@code bench/jmh.sh SafetyHotPath}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class SafetyHotPathBenchmark {
    private static final int STEPS = 5000;
    @Param({"1000"})
    public int trips;

    private SafetyMonitor monitor;
    private UUID[] held;
    private UUID[] other;
    private int[] step;
    private int next;
    private long ts = 1_700_000_000_000L;
    private final SafetySettings settings = SafetySettings.defaults();
    private final RouteCorridor.Source corridors = StraightLineCorridor.source(settings.corridorFactor(),
            settings.corridorMinKm());

    @Setup
    public void setUp() {
        monitor = new SafetyMonitor(null, null, id -> CompletableFuture.completedFuture(Optional.empty()), corridors,
                settings, "bench", Clock.systemUTC());
        held = new UUID[trips];
        other = new UUID[trips];
        step = new int[trips];
        for (int i = 0; i < trips; i++) {
            held[i] = UUID.randomUUID();
            other[i] = UUID.randomUUID();
            monitor.hold(fresh(held[i]));
        }
    }

    private TripEvaluator fresh(UUID id) {
        return new TripEvaluator(id, 10, 70, 19, 70, corridors.of(10, 70, 19, 70), settings,
                TripEvaluator.WatchState.fresh(System.currentTimeMillis()));
    }

    private Location location(UUID trip, int i) {
        int s = step[i]++ % STEPS;
        if (s == 0 && step[i] > 1 && trip == held[i]) {
            monitor.hold(fresh(trip)); // back at the start: a new trip, not a U-turn
        }
        double lat = 10 + 9.0 * s / STEPS;
        return new Location(trip, trip, lat, 70.0, 40.0, 0.0, null, Instant.ofEpochMilli(++ts));
    }

    @Benchmark
    public Location baseline() {
        int i = next++ % trips;
        return location(other[i], i);
    }

    @Benchmark
    public Location heldTrip() {
        int i = next++ % trips;
        Location l = location(held[i], i);
        monitor.onLocation(l);
        return l;
    }

    @Benchmark
    public Location tripHeldElsewhere() {
        int i = next++ % trips;
        Location l = location(other[i], i);
        monitor.onLocation(l);
        return l;
    }
}
