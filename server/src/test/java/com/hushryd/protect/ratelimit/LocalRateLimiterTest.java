package com.hushryd.protect.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class LocalRateLimiterTest extends RateLimiterContract {
    @Override
    protected RateLimiter create() {
        return new LocalRateLimiter(PENALTIES, Clock.systemUTC(), 10_000);
    }

    /** A clock the test moves. */
    static final class ManualClock extends Clock {
        long millis = 1_700_000_000_000L;

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis);
        }
    }

    @Test
    void penalties_doublePerStrike_upToTheMaximum_andAreForgottenAfterTheMemory() {
        ManualClock clock = new ManualClock();
        Penalties p = new Penalties(Duration.ofMinutes(1), Duration.ofMinutes(15), Duration.ofMinutes(3), 2);
        LocalRateLimiter l = new LocalRateLimiter(p, clock, 100);
        Limit limit = new Limit("t", 1, Duration.ofSeconds(1));
        long[] blocks = new long[6];
        for (int strike = 1; strike <= 5; strike++) {
            assertThat(l.decide("k", limit).allowed()).isTrue();
            Decision refused = l.decide("k", limit);
            assertThat(refused.strikes()).isEqualTo(strike);
            blocks[strike] = refused.resetMillis();
            clock.millis += Math.max(refused.resetMillis(), 1_000);
        }
        assertThat(blocks[1]).isEqualTo(1_000);
        assertThat(blocks[2]).isEqualTo(1_000);
        assertThat(blocks[3]).isEqualTo(60_000);
        assertThat(blocks[4]).isEqualTo(120_000);
        assertThat(blocks[5]).as("capped").isEqualTo(180_000);

        clock.millis += Duration.ofMinutes(16).toMillis();
        assertThat(l.decide("k", limit).allowed()).isTrue();
        assertThat(l.decide("k", limit).strikes()).as("memory elapsed: a first strike again").isEqualTo(1);
    }

    @Test
    void penaltiesOff_refusalsOnlyCostTheNormalWait() {
        ManualClock clock = new ManualClock();
        LocalRateLimiter l = new LocalRateLimiter(Penalties.of(Duration.ZERO), clock, 100);
        Limit limit = new Limit("t", 1, Duration.ofSeconds(1));
        for (int i = 0; i < 5; i++) {
            assertThat(l.decide("k", limit).allowed()).isTrue();
            Decision refused = l.decide("k", limit);
            assertThat(refused.resetMillis()).isEqualTo(1_000);
            assertThat(refused.strikes()).isZero();
            clock.millis += 1_000;
        }
    }

    @Test
    void limitSpec_parsesRequestsPerWindow_andRejectsNonsense() {
        assertThat(Limit.parse("a", "100/1m")).isEqualTo(new Limit("a", 100, Duration.ofMinutes(1)));
        assertThat(Limit.parse("a", "20/m").window()).isEqualTo(Duration.ofMinutes(1));
        assertThat(Limit.parse("a", "5 / 10s")).isEqualTo(new Limit("a", 5, Duration.ofSeconds(10)));
        assertThat(Limit.parse("a", "300/1m").intervalMicros()).isEqualTo(200_000);
        assertThat(Limit.parse("a", "1000000000/1m").intervalMicros()).as("never zero").isEqualTo(1);
        assertThat(Limit.parse("a", "100/1m").policyHeader()).isEqualTo("\"a\";q=100;w=60");
        for (String bad : new String[] {"100", "0/1m", "x/1m", "100/0s", "10/2d", "99999999999/1m"}) {
            assertThatThrownBy(() -> Limit.parse("a", bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
