package com.hushryd.safety;

import static org.assertj.core.api.Assertions.assertThat;

import com.hushryd.safety.TripEvaluator.WatchState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The evaluator on synthetic trips, minute by minute, with explicit times: each kind fires once, normal trips never. */
class TripEvaluatorTest {
    // Bengaluru MG Road → Whitefield, about 16 km east
    static final double SRC_LAT = 12.9756;
    static final double SRC_LNG = 77.6050;
    static final double DST_LAT = 12.9698;
    static final double DST_LNG = 77.7500;
    static final SafetySettings S = new SafetySettings(true, Duration.ofMinutes(5), Duration.ofMinutes(2),
            Duration.ofMinutes(2), 0.3, 2, 3, Duration.ofMinutes(2), 130, Duration.ofSeconds(30), 2,
            Duration.ofSeconds(1), Duration.ofSeconds(15));
    static final long T0 = 1_000_000_000L;

    static TripEvaluator evaluator() {
        return new TripEvaluator(UUID.randomUUID(), SRC_LAT, SRC_LNG, DST_LAT, DST_LNG,
                StraightLineCorridor.source(S.corridorFactor(), S.corridorMinKm()).of(SRC_LAT, SRC_LNG, DST_LAT,
                        DST_LNG), S, WatchState.fresh(T0));
    }

    /** Feeds one location every 5 s, from {@code from} to {@code to} (fractions of the route), with an offset north. */
    static List<Detection> drive(TripEvaluator e, long start, long durationMs, double from, double to,
            double northKm, Double speed) {
        List<Detection> out = new ArrayList<>();
        for (long t = 0; t <= durationMs; t += 5_000) {
            double f = from + (to - from) * t / Math.max(1, durationMs);
            double lat = SRC_LAT + (DST_LAT - SRC_LAT) * f + northKm / 111.195;
            double lng = SRC_LNG + (DST_LNG - SRC_LNG) * f;
            out.addAll(e.observe(lat, lng, speed, start + t, start + t));
            out.addAll(e.tick(start + t));
        }
        return out;
    }

    @Test
    void normalTrip_withJitterAndTrafficPauses_raisesNothing() {
        Random random = new Random(42);
        TripEvaluator e = evaluator();
        List<Detection> all = new ArrayList<>();
        long t = T0;
        double f = 0;
        while (f < 1) {
            // moves 0-150 m per 5 s (0-108 km/h), sometimes waits at a light for up to 2 minutes
            double step = random.nextInt(10) == 0 ? 0 : random.nextDouble() * 0.15 / 16;
            f = Math.min(1, f + step);
            double jitter = (random.nextDouble() - 0.5) * 0.0002;
            double lat = SRC_LAT + (DST_LAT - SRC_LAT) * f + jitter;
            double lng = SRC_LNG + (DST_LNG - SRC_LNG) * f + jitter;
            all.addAll(e.observe(lat, lng, null, t, t));
            all.addAll(e.tick(t));
            t += 5_000;
        }
        all.addAll(e.ended());
        assertThat(all).isEmpty();
    }

    @Test
    void stoppedMidRoute_forTheThreshold_isOneUnexpectedStop_andMovingReArmsIt() {
        TripEvaluator e = evaluator();
        assertThat(drive(e, T0, 60_000, 0, 0.5, 0, 40.0)).isEmpty();
        long stopAt = T0 + 65_000;
        List<Detection> stopped = drive(e, stopAt, Duration.ofMinutes(7).toMillis(), 0.5, 0.5, 0, 0.0);
        assertThat(stopped).extracting(Detection::kind).containsExactly(DetectionKind.UNEXPECTED_STOP);
        assertThat(stopped.get(0).inputs()).containsKey("stoppedForMs");
        long later = stopAt + Duration.ofMinutes(8).toMillis();
        assertThat(drive(e, later, 60_000, 0.5, 0.6, 0, 40.0)).isEmpty();
        assertThat(drive(e, later + 65_000, Duration.ofMinutes(6).toMillis(), 0.6, 0.6, 0, 0.0))
                .extracting(Detection::kind).containsExactly(DetectionKind.UNEXPECTED_STOP);
    }

    @Test
    void waitingAtThePickup_isNoStop() {
        TripEvaluator e = evaluator();
        assertThat(drive(e, T0, Duration.ofMinutes(10).toMillis(), 0, 0, 0, 0.0)).isEmpty();
    }

    @Test
    void leavingTheCorridor_forTheThreshold_isOneDeviation() {
        TripEvaluator e = evaluator();
        assertThat(drive(e, T0, 60_000, 0, 0.3, 0, 40.0)).isEmpty();
        // 8 km north of the line: the corridor is max(2, 0.3 x 16) = 4.8 km wide each side
        List<Detection> off = drive(e, T0 + 65_000, Duration.ofMinutes(3).toMillis(), 0.3, 0.4, 8, 40.0);
        assertThat(off).extracting(Detection::kind).containsExactly(DetectionKind.ROUTE_DEVIATION);
        assertThat(((Number) off.get(0).inputs().get("outsideCorridorKm")).doubleValue()).isPositive();
    }

    @Test
    void drivingAwayFromTheDestination_withinTheCorridor_isADeviation() {
        TripEvaluator e = evaluator();
        assertThat(drive(e, T0, 120_000, 0, 0.8, 0, 40.0)).isEmpty();
        List<Detection> back = drive(e, T0 + 125_000, Duration.ofMinutes(4).toMillis(), 0.8, 0.3, 0, 40.0);
        assertThat(back).extracting(Detection::kind).containsExactly(DetectionKind.ROUTE_DEVIATION);
    }

    @Test
    void sustainedSpeeding_isOneSpeedDetection_butABriefBurstIsNot() {
        TripEvaluator e = evaluator();
        assertThat(drive(e, T0, 20_000, 0, 0.1, 0, 150.0)).isEmpty();
        assertThat(drive(e, T0 + 25_000, 60_000, 0.1, 0.2, 0, 60.0)).isEmpty();
        assertThat(drive(e, T0 + 90_000, 60_000, 0.2, 0.4, 0, 150.0)).extracting(Detection::kind)
                .containsExactly(DetectionKind.SPEED);
    }

    @Test
    void silence_isReportedOnce_andReArmedByTheNextLocation() {
        TripEvaluator e = evaluator();
        assertThat(drive(e, T0, 30_000, 0, 0.1, 0, 40.0)).isEmpty();
        long last = T0 + 30_000;
        assertThat(e.tick(last + 119_000)).isEmpty();
        assertThat(e.tick(last + 120_000)).extracting(Detection::kind).containsExactly(DetectionKind.GPS_SILENCE);
        assertThat(e.tick(last + 300_000)).isEmpty();
        assertThat(drive(e, last + 310_000, 0, 0.2, 0.2, 0, 40.0)).isEmpty();
        assertThat(e.tick(last + 310_000 + 120_000)).hasSize(1);
    }

    @Test
    void completedFarFromTheDestination_isAnEarlyEnd_andNearItIsNot() {
        TripEvaluator early = evaluator();
        drive(early, T0, 60_000, 0, 0.5, 0, 40.0);
        assertThat(early.ended()).extracting(Detection::kind).containsExactly(DetectionKind.EARLY_END);
        TripEvaluator arrived = evaluator();
        drive(arrived, T0, 60_000, 0, 0.95, 0, 40.0);
        assertThat(arrived.ended()).isEmpty();
    }

    @Test
    void stateRestoredOnAnotherNode_continuesWhereItWas() {
        TripEvaluator e = evaluator();
        drive(e, T0, 60_000, 0, 0.5, 0, 40.0);
        drive(e, T0 + 65_000, Duration.ofMinutes(3).toMillis(), 0.5, 0.5, 0, 0.0);
        WatchState saved = com.hushryd.jobs.JobJson.read(com.hushryd.jobs.JobJson.write(e.state()), WatchState.class);
        TripEvaluator next = new TripEvaluator(e.tripId(), SRC_LAT, SRC_LNG, DST_LAT, DST_LNG,
                StraightLineCorridor.source(0.3, 2).of(SRC_LAT, SRC_LNG, DST_LAT, DST_LNG), S, saved);
        long resume = T0 + 65_000 + Duration.ofMinutes(3).toMillis() + 5_000;
        assertThat(drive(next, resume, Duration.ofMinutes(2).toMillis() + 10_000, 0.5, 0.5, 0, 0.0))
                .extracting(Detection::kind).containsExactly(DetectionKind.UNEXPECTED_STOP);
    }
}
