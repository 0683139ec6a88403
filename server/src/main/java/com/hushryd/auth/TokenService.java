package com.hushryd.auth;

import com.hushryd.common.ApiException;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Issues and verifies HS256 access tokens. Tokens are signed with the current secret; tokens signed with the previous
 * secret stay valid until they expire, so a secret can rotate without logging anyone out. Thread-safe.
 */
public final class TokenService {
    private static final String ISSUER = "hushryd";
    /**
     * How far the clocks of the issuing and the verifying node may disagree: an expired token is accepted for this
     * long after {@code exp}, and a token issued ({@code iat}) or valid from ({@code nbf}) up to this far in the
     * future is accepted; beyond it the token is refused.
     */
    public static final Duration CLOCK_SKEW = Duration.ofSeconds(60);
    /** One JWS segment in strict base64url: the URL-safe alphabet, no padding, nothing else. */
    private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9_-]+");
    private static final String ISSUED_MS = "iat_ms";

    private final MACSigner signer;
    private final List<JWSVerifier> verifiers;
    private final Duration ttl;
    private final Clock clock;

    public TokenService(String secret, String previousSecret, Duration ttl, Clock clock) {
        try {
            this.signer = new MACSigner(secret.getBytes(StandardCharsets.UTF_8));
            this.verifiers = previousSecret == null
                    ? List.of(new MACVerifier(secret.getBytes(StandardCharsets.UTF_8)))
                    : List.of(new MACVerifier(secret.getBytes(StandardCharsets.UTF_8)),
                            new MACVerifier(previousSecret.getBytes(StandardCharsets.UTF_8)));
        } catch (JOSEException e) {
            throw new IllegalArgumentException("JWT secret rejected: " + e.getMessage(), e);
        }
        this.ttl = ttl;
        this.clock = clock;
    }

    /** A signed token and when it stops being accepted. */
    public record IssuedToken(String token, Instant expiresAt, long expiresInSeconds) {
    }

    public IssuedToken issue(UUID userId, Role role) {
        Instant now = clock.instant();
        Instant exp = now.plus(ttl);
        JWTClaimsSet claims = new JWTClaimsSet.Builder()
                .issuer(ISSUER)
                .subject(userId.toString())
                .claim("role", role.json())
                .issueTime(Date.from(now))
                .expirationTime(Date.from(exp))
                .jwtID(UUID.randomUUID().toString())
                // iat has whole seconds only; revocation by issue time (password change) needs milliseconds
                .claim(ISSUED_MS, now.toEpochMilli())
                .build();
        SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims);
        try {
            jwt.sign(signer);
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot sign token", e);
        }
        return new IssuedToken(jwt.serialize(), exp, ttl.toSeconds());
    }

    /**
     * The caller proven by this token, or a 401 saying why not (malformed, bad signature, expired, issued in the
     * future). Each of the three segments must be canonical base64url: a signature with padding or stray characters
     * appended decodes to the same bytes, and is refused rather than accepted as a second spelling of the token.
     */
    public Principal verify(String token) {
        if (!strictlyEncoded(token)) {
            throw ApiException.unauthorized("INVALID_TOKEN", "access token is malformed");
        }
        SignedJWT jwt;
        JWTClaimsSet claims;
        try {
            jwt = SignedJWT.parse(token);
            claims = jwt.getJWTClaimsSet();
        } catch (ParseException e) {
            throw ApiException.unauthorized("INVALID_TOKEN", "access token is malformed");
        }
        if (!JWSAlgorithm.HS256.equals(jwt.getHeader().getAlgorithm())) {
            throw ApiException.unauthorized("INVALID_TOKEN", "access token uses an unsupported algorithm");
        }
        if (!signatureValid(jwt)) {
            throw ApiException.unauthorized("INVALID_TOKEN", "access token signature is invalid");
        }
        Date exp = claims.getExpirationTime();
        if (exp == null || exp.toInstant().plus(CLOCK_SKEW).isBefore(clock.instant())) {
            throw ApiException.unauthorized("TOKEN_EXPIRED", "access token has expired");
        }
        Instant latestIssue = clock.instant().plus(CLOCK_SKEW);
        Date iat = claims.getIssueTime();
        Date nbf = claims.getNotBeforeTime();
        Object ms = claims.getClaim(ISSUED_MS);
        if ((iat != null && iat.toInstant().isAfter(latestIssue))
                || (nbf != null && nbf.toInstant().isAfter(latestIssue))
                || (ms instanceof Number n && Instant.ofEpochMilli(n.longValue()).isAfter(latestIssue))) {
            throw ApiException.unauthorized("INVALID_TOKEN", "access token is not valid yet (issued in the future)");
        }
        Object role = claims.getClaim("role");
        Role r = role instanceof String s ? Role.fromJson(s) : null;
        if (!ISSUER.equals(claims.getIssuer()) || claims.getSubject() == null || r == null) {
            throw ApiException.unauthorized("INVALID_TOKEN", "access token claims are invalid");
        }
        try {
            Instant issued = ms instanceof Number n ? Instant.ofEpochMilli(n.longValue())
                    : iat == null ? null : iat.toInstant();
            return new Principal(UUID.fromString(claims.getSubject()), r, exp.toInstant(), claims.getJWTID(), issued);
        } catch (IllegalArgumentException e) {
            throw ApiException.unauthorized("INVALID_TOKEN", "access token claims are invalid");
        }
    }

    /** Three non-empty segments, each canonical unpadded base64url (re-encoding its bytes gives it back). */
    private static boolean strictlyEncoded(String token) {
        if (token == null) {
            return false;
        }
        String[] parts = token.split("\\.", -1);
        if (parts.length != 3) {
            return false;
        }
        for (String part : parts) {
            if (!SEGMENT.matcher(part).matches() || part.length() % 4 == 1) {
                return false;
            }
            byte[] bytes = Base64.getUrlDecoder().decode(part);
            if (!Base64.getUrlEncoder().withoutPadding().encodeToString(bytes).equals(part)) {
                return false;
            }
        }
        return true;
    }

    private boolean signatureValid(SignedJWT jwt) {
        for (JWSVerifier v : verifiers) {
            try {
                if (jwt.verify(v)) {
                    return true;
                }
            } catch (JOSEException e) {
                return false;
            }
        }
        return false;
    }
}
