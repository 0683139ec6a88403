package com.hushryd.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.hushryd.common.ApiException;
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
        Clock later = Clock.offset(clock, Duration.ofMinutes(5).plus(TokenService.CLOCK_SKEW).plusSeconds(1));
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

    @Test
    void signatureWithPaddingAppended_isRefusedAsMalformed() {
        TokenService ts = new TokenService(NEW, null, Duration.ofHours(1), clock);
        String token = ts.issue(UUID.randomUUID(), Role.PASSENGER).token();
        assertThat(ts.verify(token).role()).as("the unaltered token is good").isEqualTo(Role.PASSENGER);
        assertRejected(() -> ts.verify(token + "=="), "INVALID_TOKEN");
        assertRejected(() -> ts.verify(token + "="), "INVALID_TOKEN");
    }

    @Test
    void anySegmentWithPaddingOrNonBase64UrlCharacters_isRefusedAsMalformed() {
        TokenService ts = new TokenService(NEW, null, Duration.ofHours(1), clock);
        String[] parts = ts.issue(UUID.randomUUID(), Role.PASSENGER).token().split("\\.");
        for (int i = 0; i < 3; i++) {
            for (String bad : new String[] {"==", "=", "+", "/", " ", "\n", "%3D", "!", "\u00e9"}) {
                String[] altered = parts.clone();
                altered[i] = parts[i] + bad;
                String token = String.join(".", altered);
                assertRejected(() -> ts.verify(token), "INVALID_TOKEN");
            }
            String[] standardAlphabet = parts.clone();
            standardAlphabet[i] = parts[i].replace('-', '+').replace('_', '/');
            if (!standardAlphabet[i].equals(parts[i])) {
                assertRejected(() -> ts.verify(String.join(".", standardAlphabet)), "INVALID_TOKEN");
            }
        }
        assertRejected(() -> ts.verify(String.join(".", parts) + "."), "INVALID_TOKEN");
        assertRejected(() -> ts.verify(parts[0] + ".." + parts[1] + "." + parts[2]), "INVALID_TOKEN");
    }

    @Test
    void signatureSpelledWithOtherUnusedBits_isRefused() {
        TokenService ts = new TokenService(NEW, null, Duration.ofHours(1), clock);
        String token = ts.issue(UUID.randomUUID(), Role.PASSENGER).token();
        // a 32-byte HMAC is 43 characters: the last one carries 2 unused bits, so 4 spellings decode to the same bytes
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        int last = alphabet.indexOf(token.charAt(token.length() - 1));
        String sameBytes = token.substring(0, token.length() - 1) + alphabet.charAt(last ^ 1);
        assertThat(Base64.getUrlDecoder().decode(sameBytes.substring(sameBytes.lastIndexOf('.') + 1)))
                .isEqualTo(Base64.getUrlDecoder().decode(token.substring(token.lastIndexOf('.') + 1)));
        assertRejected(() -> ts.verify(sameBytes), "INVALID_TOKEN");
    }

    @Test
    void tokenIssuedInTheFuture_isRefusedBeyondTheClockSkew_andAcceptedWithinIt() {
        TokenService ts = new TokenService(NEW, null, Duration.ofHours(1), clock);
        Duration beyond = TokenService.CLOCK_SKEW.plusSeconds(5);
        Duration within = TokenService.CLOCK_SKEW.minusSeconds(5);
        String future = new TokenService(NEW, null, Duration.ofHours(1), Clock.offset(clock, beyond))
                .issue(UUID.randomUUID(), Role.ADMIN).token();
        assertRejected(() -> ts.verify(future), "INVALID_TOKEN");
        String slightlyAhead = new TokenService(NEW, null, Duration.ofHours(1), Clock.offset(clock, within))
                .issue(UUID.randomUUID(), Role.ADMIN).token();
        assertThat(ts.verify(slightlyAhead).role()).isEqualTo(Role.ADMIN);
    }

    @Test
    void futureIatOrNbfClaim_isRefusedBeyondTheClockSkew_andAcceptedWithinIt() {
        TokenService ts = new TokenService(NEW, null, Duration.ofHours(1), clock);
        long now = clock.instant().getEpochSecond();
        long beyond = now + TokenService.CLOCK_SKEW.toSeconds() + 5;
        long within = now + TokenService.CLOCK_SKEW.toSeconds() - 5;
        String tail = ",\"iss\":\"hushryd\",\"sub\":\"" + UUID.randomUUID() + "\",\"role\":\"admin\",\"exp\":"
                + (now + 3600) + "}";
        assertRejected(() -> ts.verify(signed("{\"iat\":" + beyond + tail)), "INVALID_TOKEN");
        assertRejected(() -> ts.verify(signed("{\"iat\":" + now + ",\"nbf\":" + beyond + tail)), "INVALID_TOKEN");
        assertRejected(() -> ts.verify(signed("{\"iat\":" + now + ",\"iat_ms\":" + beyond * 1000 + tail)),
                "INVALID_TOKEN");
        assertThat(ts.verify(signed("{\"iat\":" + within + ",\"nbf\":" + within + tail)).role()).isEqualTo(Role.ADMIN);
        assertThat(ts.verify(signed("{\"iat\":" + now + ",\"nbf\":" + now + tail)).role()).isEqualTo(Role.ADMIN);
    }

    /** A token with these claims, signed with {@link #NEW}. */
    private static String signed(String claimsJson) {
        try {
            com.nimbusds.jwt.SignedJWT jwt = new com.nimbusds.jwt.SignedJWT(
                    new com.nimbusds.jose.JWSHeader(com.nimbusds.jose.JWSAlgorithm.HS256),
                    com.nimbusds.jwt.JWTClaimsSet.parse(claimsJson));
            jwt.sign(new com.nimbusds.jose.crypto.MACSigner(NEW.getBytes(StandardCharsets.UTF_8)));
            return jwt.serialize();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
