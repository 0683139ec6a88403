package com.hushryd.http;

import com.hushryd.common.ApiException;
import com.hushryd.common.Json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class JsonTest {
    record Inner(Double lat) {
    }

    record Sample(String name, Integer seats, BigDecimal price, Boolean flag, Inner place, List<Inner> items) {
    }

    private static Sample read(String json) {
        return Json.read(json.getBytes(StandardCharsets.UTF_8), Sample.class);
    }

    @Test
    void wellFormedBody_isRead() {
        Sample s = read("{\"name\":\"a\",\"seats\":2,\"price\":10.5,\"flag\":true,\"place\":{\"lat\":1.5},\"items\":[]}");
        assertThat(s.seats()).isEqualTo(2);
        assertThat(s.price()).isEqualByComparingTo("10.5");
        assertThat(s.place().lat()).isEqualTo(1.5);
    }

    @ParameterizedTest(name = "{0} -> field {1}")
    @CsvSource(delimiter = '|', value = {
        "{\"seats\":\"2\"}|seats|expected a whole number",
        "{\"seats\":2.5}|seats|expected a whole number",
        "{\"name\":5}|name|expected a string",
        "{\"name\":true}|name|expected a string",
        "{\"flag\":\"yes\"}|flag|expected true or false",
        "{\"place\":{\"lat\":\"1\"}}|place.lat|expected a number",
        "{\"items\":[{\"lat\":\"x\"}]}|items[0].lat|expected a number",
        "{\"place\":[]}|place|expected an object",
        "{\"surprise\":1}|surprise|unknown field",
        "{\"place\":{\"lon\":1}}|place.lon|unknown field",
        "{\"seats\":\" \"}|seats|expected a whole number",
        "{\"seats\":\"\"}|seats|expected a whole number",
        "{\"place\":{\"lat\":\"   \"}}|place.lat|expected a number",
        "{\"place\":{\"lat\":\"\\u0000\"}}|place.lat|expected a number",
        "{\"flag\":\" \"}|flag|expected true or false",
    })
    void wrongShape_isA400NamingTheField(String json, String field, String reason) {
        assertThatThrownBy(() -> read(json))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.code()).isEqualTo("VALIDATION_FAILED");
                    assertThat(e.details()).containsEntry("field", field);
                    assertThat(e.getMessage()).isEqualTo(field + ": " + reason);
                });
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {"seats|{\"seats\":%s}", "place.lat|{\"place\":{\"lat\":-%s}}",
        "items[1].lat|{\"items\":[{},{\"lat\":%s.5}]}", "price|{\"name\":\"a\",\"price\":%s}"})
    void numberOfAHundredDigits_isA400NamingTheFieldAsOutOfRange(String field, String template) {
        assertThatThrownBy(() -> read(template.formatted("9".repeat(101))))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.code()).isEqualTo("VALIDATION_FAILED");
                    assertThat(e.details()).containsEntry("field", field);
                    assertThat(e.getMessage()).startsWith(field + ": ").contains("not a valid number");
                });
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"{\"name\":", "{\"name\":\"a\",\"name\":\"b\"}", "{} {}", "[]", "null", "\"x\"",
        "{\"seats\":NaN}"})
    void malformedJson_isA400WithoutInternals(String json) {
        assertThatThrownBy(() -> read(json))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.code()).isIn("MALFORMED_JSON", "VALIDATION_FAILED");
                    assertThat(e.getMessage()).doesNotContain("Source:").doesNotContain("com.hushryd")
                            .doesNotContain("Exception");
                });
    }

    @Test
    void deepNesting_isRefused() {
        String json = "{\"items\":" + "[".repeat(200) + "]".repeat(200) + "}";
        assertThatThrownBy(() -> read(json)).isInstanceOf(ApiException.class);
    }
}
