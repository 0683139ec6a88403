package com.hushryd.bench.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;

class TargetsTest {

    @Test
    void loopbackAddresses_areLoopback() {
        for (String host : List.of("127.0.0.1", "127.255.3.4", "localhost", "LOCALHOST", "[::1]", "::1",
                "[0:0:0:0:0:0:0:1]")) {
            assertThat(Targets.isLoopback(host)).as(host).isTrue();
        }
    }

    @Test
    void otherAddressesAndNames_areNotLoopback() {
        for (String host : List.of("10.0.0.1", "128.0.0.1", "126.0.0.1", "0.0.0.0", "127.0.0.256", "[::2]",
                "example.com", "127.0.0.1.nip.io", "localhost.example.com", "[::ffff:127.0.0.1]")) {
            assertThat(Targets.isLoopback(host)).as(host).isFalse();
        }
    }

    @Test
    void check_loopbackUrls_accepted() throws Exception {
        assertThat(Targets.check(List.of("http://127.0.0.1:8080", "http://localhost:9000/", "http://[::1]:80"), false))
                .containsExactly(URI.create("http://127.0.0.1:8080"), URI.create("http://localhost:9000/"),
                        URI.create("http://[::1]:80"));
    }

    @Test
    void host_ofAnIpv6Literal_losesItsBrackets() {
        assertThat(Targets.host(URI.create("http://[::1]:8080"))).isEqualTo("::1");
        assertThat(Targets.host(URI.create("http://127.0.0.1:8080"))).isEqualTo("127.0.0.1");
    }

    @Test
    void check_remoteUrlWithoutTheFlag_refusedNamingTheFlag() {
        assertThatThrownBy(() -> Targets.check(List.of("http://127.0.0.1:8080", "http://10.1.2.3:8080"), false))
                .isInstanceOf(Targets.Refused.class)
                .hasMessageContaining("http://10.1.2.3:8080 is not a loopback address")
                .hasMessageContaining("--allow-remote");
    }

    @Test
    void check_remoteUrlWithTheFlag_accepted() throws Exception {
        assertThat(Targets.check(List.of("http://10.1.2.3:8080"), true)).containsExactly(URI.create("http://10.1.2.3:8080"));
    }

    @Test
    void check_malformedOrUnsupportedUrls_refused() {
        for (String url : List.of("127.0.0.1:8080", "https://127.0.0.1:8443", "http://127.0.0.1:8080/api/v1",
                "http://127.0.0.1:8080?x=1", "http://user:pw@127.0.0.1:8080", "http://bad host:1")) {
            assertThatThrownBy(() -> Targets.check(List.of(url), true)).as(url).isInstanceOf(Targets.Refused.class);
        }
    }
}
