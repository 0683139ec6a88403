package com.hushryd.protect;

import static org.assertj.core.api.Assertions.assertThat;

import com.hushryd.testing.HttpResult;
import com.hushryd.testing.TestNode;
import com.hushryd.testing.TestNode.Account;
import com.hushryd.testing.TestCluster;
import java.net.http.HttpRequest;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Two nodes sharing one PostgreSQL and one real Redis: one quota per client across the cluster. */
class RateLimitClusterIT {
    static TestCluster cluster;
    static TestNode a;
    static TestNode b;
    static TestNode behindProxy;

    @BeforeAll
    static void start() {
        cluster = new TestCluster("rl", Map.of("RATE_LIMIT_AUTHENTICATED", "6/1h", "RATE_LIMIT_ANONYMOUS", "40/1h"));
        a = cluster.a;
        b = cluster.b;
        behindProxy = cluster.node("rl-proxy", Map.of("RATE_LIMIT_AUTHENTICATED", "6/1h",
                "RATE_LIMIT_ANONYMOUS", "3/1h", "TRUSTED_PROXIES", "127.0.0.0/8"));
    }

    @AfterAll
    static void stop() {
        behindProxy.close();
        cluster.close();
    }

    private static HttpResult me(TestNode node, Account who) {
        return node.api().get("/api/v1/me", who.token());
    }

    @Test
    void quotaIsSharedAcrossNodes_andOneUserExhaustingItNeverAffectsAnother() {
        Account greedy = a.register("passenger");
        Account other = a.register("passenger");
        int allowed = 0;
        HttpResult last = null;
        for (int i = 0; i < 12; i++) {
            last = me(i % 2 == 0 ? a : b, greedy);
            if (last.status() == 200) {
                allowed++;
            } else {
                assertThat(last.status()).as(last.text()).isEqualTo(429);
            }
        }
        assertThat(allowed).as("6 per hour for the whole cluster, not per node").isEqualTo(6);
        assertThat(last.errorCode()).isEqualTo("RATE_LIMITED");
        for (TestNode n : new TestNode[] {a, b}) {
            assertThat(me(n, other).status()).isEqualTo(200);
        }
    }

    @Test
    void headers_carryPolicyRemainingAndResetOnEveryResponse_andRetryAfterWhenLimited() {
        Account u = a.register("driver");
        HttpResult first = me(a, u);
        assertThat(first.header("RateLimit-Policy")).isEqualTo("\"authenticated\";q=6;w=3600");
        assertThat(first.header("RateLimit")).matches("\"authenticated\";r=5;t=\\d+");
        HttpResult notFound = b.api().get("/api/v1/trips/00000000-0000-0000-0000-000000000000", u.token());
        assertThat(notFound.status()).isEqualTo(404);
        assertThat(notFound.header("RateLimit")).as("errors too").startsWith("\"authenticated\";r=4;");
        HttpResult limited;
        do {
            limited = me(b, u);
        } while (limited.status() == 200);
        assertThat(limited.status()).isEqualTo(429);
        long retryAfter = Long.parseLong(limited.header("Retry-After"));
        assertThat(retryAfter).isBetween(1L, 600L); // one request per 10 minutes at 6/h
        Matcher m = Pattern.compile("\"authenticated\";r=0;t=(\\d+)").matcher(limited.header("RateLimit"));
        assertThat(m.matches()).as(limited.header("RateLimit")).isTrue();
        assertThat(Long.parseLong(m.group(1))).isEqualTo(retryAfter);
        assertThat(limited.json().path("error").path("details").path("retryAfterSeconds").asLong())
                .isEqualTo(retryAfter);
        assertThat(limited.header("RateLimit-Policy")).isEqualTo("\"authenticated\";q=6;w=3600");
    }

    private static HttpResult login(TestNode node, String forwardedFor) {
        HttpRequest.Builder r = node.api().request("/api/v1/auth/login", null)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"phone\":\"+919811111111\",\"password\":\"nope-nope\"}"));
        if (forwardedFor != null) {
            r.header("X-Forwarded-For", forwardedFor);
        }
        return node.api().send(r.build());
    }

    @Test
    void spoofedForwardedFor_fromAnUntrustedPeer_doesNotBuyANewQuota() {
        // a and b trust no proxy: every request here comes from 127.0.0.1, whatever the header claims
        int before = anonymousRemaining(login(a, "198.51.100.1"));
        for (int i = 0; i < 3; i++) {
            login(b, "198.51.100." + (10 + i));
        }
        assertThat(anonymousRemaining(login(a, "203.0.113.99"))).isEqualTo(before - 4);
    }

    @Test
    void trustedProxy_clientIsTheRightmostUntrustedAddress_andSpoofedLeftEntriesShareItsQuota() {
        for (int i = 0; i < 3; i++) {
            HttpResult r = login(behindProxy, "6.6.6." + i + ", 198.51.100.7");
            assertThat(r.status()).as(r.text()).isEqualTo(401);
        }
        HttpResult limited = login(behindProxy, "1.2.3.4, 198.51.100.7");
        assertThat(limited.status()).isEqualTo(429);
        assertThat(limited.header("Retry-After")).isNotNull();
        assertThat(login(behindProxy, "198.51.100.8").status()).as("another client").isEqualTo(401);
    }

    private static int anonymousRemaining(HttpResult r) {
        assertThat(r.header("RateLimit-Policy")).startsWith("\"anonymous\";");
        Matcher m = Pattern.compile("\"anonymous\";r=(\\d+);t=\\d+").matcher(r.header("RateLimit"));
        assertThat(m.matches()).as(r.header("RateLimit")).isTrue();
        return Integer.parseInt(m.group(1));
    }
}
