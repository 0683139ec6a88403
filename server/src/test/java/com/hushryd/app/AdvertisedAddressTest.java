package com.hushryd.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class AdvertisedAddressTest {
    private static InetAddress ip(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static final AdvertisedAddress.Candidates MACHINE = () -> List.of(ip("127.0.0.1"), ip("fe80::1"),
            ip("2001:db8::7"), ip("10.1.2.3"), ip("192.168.0.9"));

    @Test
    void configuredAddress_wins_withTheListeningPortWhenItHasNone() {
        assertThat(AdvertisedAddress.of(Optional.of("node-1.internal"), "0.0.0.0", 8080, MACHINE))
                .isEqualTo("node-1.internal:8080");
        assertThat(AdvertisedAddress.of(Optional.of("node-1.internal:9000"), "0.0.0.0", 8080, MACHINE))
                .isEqualTo("node-1.internal:9000");
        assertThat(AdvertisedAddress.of(Optional.of("2001:db8::5"), "0.0.0.0", 8080, MACHINE))
                .isEqualTo("[2001:db8::5]:8080");
        assertThat(AdvertisedAddress.of(Optional.of("[2001:db8::5]:9000"), "0.0.0.0", 8080, MACHINE))
                .isEqualTo("[2001:db8::5]:9000");
    }

    @Test
    void hostNamingOneAddress_isAdvertisedAsIs() {
        assertThat(AdvertisedAddress.of(Optional.empty(), "10.9.9.9", 8080, MACHINE)).isEqualTo("10.9.9.9:8080");
    }

    @Test
    void wildcardHost_advertisesTheFirstNonLoopbackIpv4_neverTheWildcard() {
        assertThat(AdvertisedAddress.of(Optional.empty(), "0.0.0.0", 18480, MACHINE)).isEqualTo("10.1.2.3:18480");
        assertThat(AdvertisedAddress.of(Optional.empty(), "::", 18480, MACHINE)).isEqualTo("10.1.2.3:18480");
    }

    @Test
    void wildcardHost_withOnlyIpv6_prefersAGlobalOneToLinkLocal() {
        assertThat(AdvertisedAddress.of(Optional.empty(), "0.0.0.0", 80, () -> List.of(ip("fe80::1"),
                ip("2001:db8::7")))).isEqualTo("[2001:db8:0:0:0:0:0:7]:80");
    }

    @Test
    void wildcardHost_onAMachineWithOnlyLoopback_advertisesLoopback() {
        assertThat(AdvertisedAddress.of(Optional.empty(), "0.0.0.0", 18480, () -> List.of(ip("127.0.0.1"))))
                .isEqualTo("127.0.0.1:18480");
    }

    @Test
    void wildcardHost_onThisMachine_isNeverTheWildcard() {
        assertThat(AdvertisedAddress.of(Optional.empty(), "0.0.0.0", 18480)).doesNotStartWith("0.0.0.0");
    }
}
