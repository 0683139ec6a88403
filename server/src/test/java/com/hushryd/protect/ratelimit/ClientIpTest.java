package com.hushryd.protect.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import com.hushryd.auth.Cidr;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClientIpTest {
    private final ClientIp noProxies = new ClientIp(List.of());
    private final ClientIp behindProxies = new ClientIp(List.of(Cidr.parse("10.0.0.0/8"), Cidr.parse("::1/128")));

    @Test
    void untrustedPeer_forwardedForIsIgnored() {
        assertThat(noProxies.resolve("203.0.113.7", "198.51.100.1")).isEqualTo("203.0.113.7");
        assertThat(behindProxies.resolve("203.0.113.7", "198.51.100.1")).isEqualTo("203.0.113.7");
    }

    @Test
    void trustedProxy_clientIsTheRightmostUntrustedHop_soASpoofedLeftEntryChangesNothing() {
        assertThat(behindProxies.resolve("10.0.0.5", "198.51.100.1")).isEqualTo("198.51.100.1");
        assertThat(behindProxies.resolve("10.0.0.5", "6.6.6.6, 198.51.100.1, 10.0.0.9")).isEqualTo("198.51.100.1");
        assertThat(behindProxies.resolve("10.0.0.5", "1.1.1.1, 198.51.100.1")).isEqualTo("198.51.100.1");
    }

    @Test
    void trustedProxy_garbageOrNoHeader_fallsBackToTheLastTrustedAddress() {
        assertThat(behindProxies.resolve("10.0.0.5", null)).isEqualTo("10.0.0.5");
        assertThat(behindProxies.resolve("10.0.0.5", "not-an-ip")).isEqualTo("10.0.0.5");
        assertThat(behindProxies.resolve("10.0.0.5", "198.51.100.1, evil.example, 10.0.0.6")).isEqualTo("10.0.0.6");
        assertThat(behindProxies.resolve("::1", "2001:db8::1")).isEqualTo("2001:db8:0:0:0:0:0:1");
    }
}
