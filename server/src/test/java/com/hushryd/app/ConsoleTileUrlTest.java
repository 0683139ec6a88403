package com.hushryd.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** CONSOLE_TILE_URL: unset by default; an http(s) template with {z}, {x} and {y}, else start-up fails naming it. */
class ConsoleTileUrlTest {
    @Test
    void unsetByDefault_andAValidTemplateIsKept() {
        assertThat(ConfigLoader.load(Map.of()).consoleTileUrl()).isEmpty();
        String osm = "https://tile.openstreetmap.org/{z}/{x}/{y}.png";
        assertThat(ConfigLoader.load(Map.of("CONSOLE_TILE_URL", osm)).consoleTileUrl()).contains(osm);
        assertThat(ConfigLoader.load(Map.of("CONSOLE_TILE_URL", "http://10.0.0.5:8080/t/{z}/{x}/{y}"))
                .consoleTileUrl()).isPresent();
    }

    @Test
    void notATemplateOrNotHttp_failsNamingTheSetting() {
        for (String bad : new String[] {"tile.example.org/{z}/{x}/{y}.png", "https://tiles.example.org/tile.png",
            "javascript:alert(1)//{z}{x}{y}", "https://a.example.org/{z}/{x}/{y}.png; script-src *",
            "ftp://tiles.example.org/{z}/{x}/{y}"}) {
            assertThatThrownBy(() -> ConfigLoader.load(Map.of("CONSOLE_TILE_URL", bad))).as(bad)
                    .isInstanceOf(ConfigException.class).hasMessageContaining("CONSOLE_TILE_URL");
        }
    }
}
