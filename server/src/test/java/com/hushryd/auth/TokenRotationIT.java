package com.hushryd.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.hushryd.testing.TestNode;
import com.hushryd.testing.TestNode.Account;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Rotating JWT_SECRET logs nobody out while the old secret is kept as JWT_PREVIOUS_SECRET. */
class TokenRotationIT {
    private static final String FIRST = "first-secret-0123456789-0123456789-0123";
    private static final String SECOND = "second-secret-0123456789-0123456789-012";

    @Test
    void tokenIssuedBeforeRotation_isAcceptedAfterIt_untilThePreviousSecretIsDropped() {
        Map<String, String> env = new HashMap<>();
        String oldToken;
        try (TestNode before = TestNode.start(Map.of("JWT_SECRET", FIRST))) {
            env.putAll(before.settings());
            Account user = before.register("passenger");
            oldToken = user.token();
        }

        env.put("JWT_SECRET", SECOND);
        env.put("JWT_PREVIOUS_SECRET", FIRST);
        try (TestNode rotated = TestNode.restart(env)) {
            assertThat(rotated.api().get("/api/v1/me", oldToken).status()).isEqualTo(200);
            String newToken = rotated.register("driver").token();
            assertThat(rotated.api().get("/api/v1/me", newToken).status()).isEqualTo(200);
        }

        env.remove("JWT_PREVIOUS_SECRET");
        try (TestNode done = TestNode.restart(env)) {
            var r = done.api().get("/api/v1/me", oldToken);
            assertThat(r.status()).isEqualTo(401);
            assertThat(r.errorCode()).isEqualTo("INVALID_TOKEN");
        }
    }
}
