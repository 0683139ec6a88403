package com.hushryd.protect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.hushryd.auth.Principal;
import com.hushryd.auth.Role;
import com.hushryd.http.Admission;
import com.hushryd.common.ApiException;
import com.hushryd.common.RouteClass;
import com.hushryd.protect.ratelimit.ClientIp;
import com.hushryd.protect.ratelimit.Limit;
import com.hushryd.protect.ratelimit.LocalRateLimiter;
import com.hushryd.protect.ratelimit.Penalties;
import com.hushryd.protect.ratelimit.RateLimitPolicy;
import com.hushryd.protect.shedding.LoadShedder;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

class ProtectionTest {
    private final RateLimitPolicy policy = new RateLimitPolicy(Limit.parse("anonymous", "2/1h"),
            Limit.parse("authenticated", "3/1h"), Limit.parse("premium", "5/1h"), Limit.parse("critical", "4/1h"),
            Limit.parse("upload", "1/1h"), new ClientIp(List.of()));
    private final LoadShedder shedder = new LoadShedder(new LoadShedder.Limits(1000, Duration.ofSeconds(1), 100),
            () -> 0);
    private final Protection protection = new Protection(shedder,
            new LocalRateLimiter(Penalties.of(Duration.ZERO), Clock.systemUTC(), 1000), policy, ProtectMetrics.NONE);
    private final Principal alice = new Principal(UUID.randomUUID(), Role.PASSENGER);

    private Admission.Ticket admit(RouteClass c, Principal p, String peer) {
        try {
            return protection.admit(new Admission.Call("/api/v1/x", c, p, peer, null)).toCompletableFuture().join();
        } catch (CompletionException e) {
            throw (RuntimeException) e.getCause();
        }
    }

    @Test
    void allowedResponse_carriesTheIetfRateLimitHeaders() {
        Admission.Ticket t = admit(RouteClass.NORMAL, alice, "127.0.0.1");
        assertThat(t.headers()).containsEntry("RateLimit-Policy", "\"authenticated\";q=3;w=3600")
                .containsEntry("RateLimit", "\"authenticated\";r=2;t=1200");
    }

    @Test
    void exhaustedTier_is429WithRetryAfterAndHeaders_whileCriticalAndUploadBucketsStayOpen() {
        for (int i = 0; i < 3; i++) {
            admit(RouteClass.NORMAL, alice, "127.0.0.1").release();
        }
        assertThatThrownBy(() -> admit(RouteClass.AUTH, alice, "127.0.0.1")).isInstanceOfSatisfying(
                ApiException.class, e -> {
                    assertThat(e.status()).isEqualTo(429);
                    assertThat(e.code()).isEqualTo("RATE_LIMITED");
                    assertThat(e.headers()).containsEntry("Retry-After", "1200")
                            .containsEntry("RateLimit", "\"authenticated\";r=0;t=1200")
                            .containsEntry("RateLimit-Policy", "\"authenticated\";q=3;w=3600");
                });
        assertThat(admit(RouteClass.CRITICAL, alice, "127.0.0.1").headers().get("RateLimit"))
                .startsWith("\"critical\";r=3;");
        assertThat(admit(RouteClass.UPLOAD, alice, "127.0.0.1").headers().get("RateLimit"))
                .startsWith("\"upload\";r=0;");
    }

    @Test
    void tiers_anonymousPerIp_adminPremium_usersApart() {
        assertThat(admit(RouteClass.NORMAL, null, "10.1.1.1").headers().get("RateLimit-Policy"))
                .isEqualTo("\"anonymous\";q=2;w=3600");
        admit(RouteClass.NORMAL, null, "10.1.1.1");
        assertThatThrownBy(() -> admit(RouteClass.NORMAL, null, "10.1.1.1")).isInstanceOf(ApiException.class);
        assertThat(admit(RouteClass.NORMAL, null, "10.1.1.2").headers()).isNotEmpty();
        Principal admin = new Principal(UUID.randomUUID(), Role.ADMIN);
        assertThat(admit(RouteClass.NORMAL, admin, "10.1.1.1").headers().get("RateLimit-Policy"))
                .isEqualTo("\"premium\";q=5;w=3600");
    }

    @Test
    void shedRequest_isRefusedBeforeItCostsQuota() {
        Protection tight = new Protection(new LoadShedder(new LoadShedder.Limits(1, Duration.ofSeconds(1), 100),
                () -> 0), new LocalRateLimiter(Penalties.of(Duration.ZERO), Clock.systemUTC(), 1000), policy,
                ProtectMetrics.NONE);
        Admission.Ticket held = tight.admit(new Admission.Call("/x", RouteClass.NORMAL, alice, "127.0.0.1", null))
                .toCompletableFuture().join();
        for (int i = 0; i < 5; i++) {
            assertThatThrownBy(() -> tight.admit(new Admission.Call("/x", RouteClass.NORMAL, alice, "127.0.0.1",
                    null)).toCompletableFuture().join()).hasCauseInstanceOf(ApiException.class)
                    .satisfies(e -> assertThat(((ApiException) e.getCause()).status()).isEqualTo(503));
        }
        held.release();
        assertThat(tight.admit(new Admission.Call("/x", RouteClass.NORMAL, alice, "127.0.0.1", null))
                .toCompletableFuture().join().headers().get("RateLimit")).startsWith("\"authenticated\";r=1;");
    }
}
