package com.hushryd.uploads;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class LocalUploadRateLimiterTest {
    /** A clock the test moves. */
    static final class MovableClock extends Clock {
        Instant now;

        MovableClock(Instant start) {
            now = start;
        }

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
            return now;
        }
    }

    @Test
    void twentyPerMinute_theTwentyFirstIsRefused_untilTheNextWindow() {
        MovableClock clock = new MovableClock(Instant.parse("2026-11-21T10:00:15Z"));
        LocalUploadRateLimiter limiter = new LocalUploadRateLimiter(20, clock);
        UUID user = UUID.randomUUID();
        for (int i = 0; i < 20; i++) {
            UploadRateLimiter.Decision d = limiter.acquire(user);
            assertThat(d.allowed()).isTrue();
            assertThat(d.remaining()).isEqualTo(19 - i);
        }
        UploadRateLimiter.Decision refused = limiter.acquire(user);
        assertThat(refused.allowed()).isFalse();
        assertThat(refused.resetSeconds()).isEqualTo(45);
        assertThat(refused.headers()).containsEntry("Retry-After", "45")
                .containsEntry("RateLimit", "limit=20, remaining=0, reset=45")
                .containsEntry("RateLimit-Policy", "20;w=60");

        clock.now = clock.now.plus(Duration.ofSeconds(45));
        assertThat(limiter.acquire(user).allowed()).isTrue();
    }

    @Test
    void usersAreCountedApart() {
        LocalUploadRateLimiter limiter = new LocalUploadRateLimiter(1, new MovableClock(Instant.parse("2026-11-21T10:00:00Z")));
        UUID a = UUID.randomUUID();
        assertThat(limiter.acquire(a).allowed()).isTrue();
        assertThat(limiter.acquire(a).allowed()).isFalse();
        assertThat(limiter.acquire(UUID.randomUUID()).allowed()).isTrue();
    }
}
