package com.hushryd.bench.sim;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class SimStatsTest {

    private static SimReport.Operation op(SimReport r, String name) {
        return r.operations().stream().filter(o -> o.name().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void recordedLatencies_givePercentilesInMilliseconds() {
        SimStats stats = new SimStats(List.of("a"));
        for (int i = 1; i <= 100; i++) {
            stats.record("a", TimeUnit.MILLISECONDS.toNanos(i));
        }
        SimReport.Operation a = op(stats.report("t", 10, Map.of()), "a");
        assertThat(a.count()).isEqualTo(100);
        assertThat(a.p50Ms()).isBetween(49.9, 50.1);
        assertThat(a.p90Ms()).isBetween(89.9, 90.1);
        assertThat(a.p95Ms()).isBetween(94.9, 95.1);
        assertThat(a.p99Ms()).isBetween(98.9, 99.1);
        assertThat(a.maxMs()).isBetween(99.9, 100.1);
        assertThat(a.perSecond()).isEqualTo(10.0);
        assertThat(a.errors()).isZero();
    }

    @Test
    void errors_areCountedByKind_andNotAsLatencies() {
        SimStats stats = new SimStats(List.of());
        stats.begin("login").fail("http 429 RATE_LIMITED");
        stats.begin("login").fail("http 429 RATE_LIMITED");
        stats.begin("login").fail("timeout");
        stats.error("location.fanout", "not received", 3);
        SimReport r = stats.report("t", 1, Map.of());
        assertThat(op(r, "login").errorKinds()).containsExactlyInAnyOrderEntriesOf(
                Map.of("http 429 RATE_LIMITED", 2L, "timeout", 1L));
        assertThat(op(r, "login").errors()).isEqualTo(3);
        assertThat(op(r, "login").count()).isZero();
        assertThat(op(r, "location.fanout").errors()).isEqualTo(3);
        assertThat(r.totalErrors()).isEqualTo(6);
    }

    @Test
    void callsNeverAnswered_areUnfinished_andACallSettlesOnlyOnce() {
        SimStats stats = new SimStats(List.of());
        stats.begin("book");
        SimStats.Call timedOut = stats.begin("book");
        assertThat(timedOut.fail("timeout")).isTrue();
        assertThat(timedOut.ok()).as("a late answer after the timeout").isFalse();
        SimStats.Call answered = stats.begin("book");
        assertThat(answered.ok()).isTrue();
        assertThat(answered.fail("disconnect")).isFalse();
        stats.unfinished("chat.delivery", 2);
        assertThat(stats.inFlight()).isEqualTo(1);
        SimReport r = stats.report("t", 1, Map.of());
        assertThat(op(r, "book").unfinished()).isEqualTo(1);
        assertThat(op(r, "book").count()).isEqualTo(1);
        assertThat(op(r, "book").errors()).isEqualTo(1);
        assertThat(op(r, "chat.delivery").unfinished()).isEqualTo(2);
        assertThat(r.totalUnfinished()).isEqualTo(3);
    }

    @Test
    void intervals_addUpToTheTotals_andEventsCountEverything() {
        SimStats stats = new SimStats(List.of());
        stats.record("x", 1_000_000);
        assertThat(stats.interval().get("x").getTotalCount()).isEqualTo(1);
        stats.record("x", 2_000_000);
        stats.record("x", 3_000_000);
        assertThat(stats.interval().get("x").getTotalCount()).as("only what came since the last interval").isEqualTo(2);
        stats.begin("y").fail("timeout");
        stats.event();
        assertThat(op(stats.report("t", 1, Map.of()), "x").count()).isEqualTo(3);
        assertThat(stats.events()).isEqualTo(5);
    }

    @Test
    void report_listsTheGivenOrderFirst_thenTheRestByName() {
        SimStats stats = new SimStats(List.of("login", "register"));
        stats.record("zeta", 1);
        stats.record("register", 1);
        stats.record("alpha", 1);
        stats.record("login", 1);
        assertThat(stats.report("t", 1, Map.of()).operations()).extracting(SimReport.Operation::name)
                .containsExactly("login", "register", "alpha", "zeta");
    }

    @Test
    void report_asJson_andText_carryEveryOperationAndError() throws Exception {
        SimStats stats = new SimStats(List.of());
        stats.record("login", 2_000_000);
        stats.begin("book").fail("http 409 SEATS_UNAVAILABLE");
        SimReport r = stats.report("2026-01-01T00:00:00Z", 2, Map.of("drivers", 1));
        JsonNode json = SimHttp.MAPPER.readTree(SimHttp.MAPPER.writeValueAsString(r));
        assertThat(json.path("settings").path("drivers").asInt()).isEqualTo(1);
        assertThat(json.path("operations").get(0).path("name").asText()).isEqualTo("book");
        assertThat(json.path("operations").get(0).path("errorKinds").path("http 409 SEATS_UNAVAILABLE").asLong())
                .isEqualTo(1);
        assertThat(json.path("operations").get(1).path("p99Ms").asDouble()).isBetween(1.99, 2.01);
        assertThat(r.text()).contains("login").contains("error book: http 409 SEATS_UNAVAILABLE x1");
    }
}
