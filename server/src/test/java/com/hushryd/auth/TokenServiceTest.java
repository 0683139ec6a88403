package com.hushryd.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.hushryd.http.ApiException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class TokenServiceTest {
    private static final String OLD = "old-secret-0123456789-0123456789-0123456789";
    private static final String NEW = "new-secret-0123456789-0123456789-0123456789";
    private final Clock clock = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);

    private static void assertRejected(Runnable r, String code) {
        assertThatThrownBy(r::run).isInstanceOfSatisfying(ApiException.class, e -> {
            assertThat(e.status()).isEqualTo(401);
            assertThat(e.code()).isEqualTo(code);
        });
    }

    @Test
    void issuedToken_verifiesToItsUserAndRole() {
        TokenService ts = new TokenService(NEW, null, Duration.ofHours(1), clock);
        UUID id = UUID.randomUUID();
        Principal p = ts.verify(ts.issue(id, Role.DRIVER).token());
        assertThat(p.userId()).isEqualTo(id);
        assertThat(p.role()).isEqualTo(Role.DRIVER);
        assertThat(p.expiresAt()).isEqualTo(clock.instant().plus(Duration.ofHours(1)));
    }

    @Test
    void tokenOfPreviousSecret_isAcceptedAfterRotation_andRefusedOnceDropped() {
        String oldToken = new TokenService(OLD, null, Duration.ofHours(1), clock).issue(UUID.randomUUID(), Role.PASSENGER).token();
        assertThat(new TokenService(NEW, OLD, Duration.ofHours(1), clock).verify(oldToken).role()).isEqualTo(Role.PASSENGER);
        assertRejected(() -> new TokenService(NEW, null, Duration.ofHours(1), clock).verify(oldToken), "INVALID_TOKEN");
    }

    @Test
    void expiredToken_isRefusedAsExpired() {
        String token = new TokenService(NEW, null, Duration.ofMinutes(5), clock).issue(UUID.randomUUID(), Role.DRIVER).token();
        Clock later = Clock.offset(clock, Duration.ofMinutes(6));
        assertRejected(() -> new TokenService(NEW, null, Duration.ofMinutes(5), later).verify(token), "TOKEN_EXPIRED");
    }

    @Test
    void tamperedPayload_isRefused() {
        TokenService ts = new TokenService(NEW, null, Duration.ofHours(1), clock);
        String[] parts = ts.issue(UUID.randomUUID(), Role.PASSENGER).token().split("\\.");
        String payload = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8)
                .replace("passenger", "admin");
        String forged = parts[0] + "." + Base64.getUrlEncoder().withoutPadding()
                .encodeToString(payload.getBytes(StandardCharsets.UTF_8)) + "." + parts[2];
        assertRejected(() -> ts.verify(forged), "INVALID_TOKEN");
    }

    @Test
    void unsignedAlgNoneToken_isRefused() {
        TokenService ts = new TokenService(NEW, null, Duration.ofHours(1), clock);
        String header = Base64.getUrlEncoder().withoutPadding().encodeToString("{\"alg\":\"none\"}".getBytes());
        String body = Base64.getUrlEncoder().withoutPadding().encodeToString(
                ("{\"sub\":\"" + UUID.randomUUID() + "\",\"role\":\"admin\",\"iss\":\"hushryd\",\"exp\":9999999999}").getBytes());
        assertRejected(() -> ts.verify(header + "." + body + "."), "INVALID_TOKEN");
    }

    @Test
    void garbage_isRefusedAsMalformed() {
        TokenService ts = new TokenService(NEW, null, Duration.ofHours(1), clock);
        assertRejected(() -> ts.verify("not-a-jwt"), "INVALID_TOKEN");
        assertRejected(() -> ts.verify("a.b.c"), "INVALID_TOKEN");
    }
}
