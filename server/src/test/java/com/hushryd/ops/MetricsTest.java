package com.hushryd.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class MetricsTest {

    @Test
    void aGaugeReadThroughALambda_survivesGarbageCollection() throws Exception {
        Metrics metrics = new Metrics("t");
        AtomicInteger inFlight = new AtomicInteger(7);
        // a method reference made on the spot: nothing but the gauge refers to it
        metrics.gauge("hushryd.test.in_flight", "test", inFlight::get);
        for (int i = 0; i < 5; i++) {
            System.gc();
            Thread.sleep(20);
        }
        assertThat(metrics.registry().get("hushryd.test.in_flight").gauge().value()).isEqualTo(7.0);
        assertThat(metrics.scrape()).contains("hushryd_test_in_flight{node=\"t\"} 7.0");
    }
}
