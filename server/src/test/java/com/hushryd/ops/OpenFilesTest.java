package com.hushryd.ops;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class OpenFilesTest {
    @Test
    void startupWarning_limitTooLowForACity_saysHowToRaiseIt_andNamesALowHardLimit() {
        assertThat(OpenFiles.startupWarning(new OpenFiles.Limit(1024, 524288))).get().asString()
                .contains("ulimit -n is 1024").contains("room for about 924 sockets").contains("ulimit -n 10200")
                .doesNotContain("hard limit");
        assertThat(OpenFiles.startupWarning(new OpenFiles.Limit(1024, 4096))).get().asString()
                .contains("the hard limit, ulimit -Hn, is 4096");
    }

    @Test
    void startupWarning_enoughOrUnlimited_none() {
        assertThat(OpenFiles.startupWarning(new OpenFiles.Limit(20_000, 20_000))).isEmpty();
        assertThat(OpenFiles.startupWarning(new OpenFiles.Limit(-1, -1))).isEmpty();
    }

    @Test
    void warnIfNear_at90PercentOfTheLimit_atMostOnceAMinute() {
        OpenFiles files = new OpenFiles();
        OpenFiles.Limit limit = new OpenFiles.Limit(1000, 1000);
        assertThat(files.warnIfNear(899, limit, 100_000)).isFalse();
        assertThat(files.warnIfNear(900, limit, 100_000)).isTrue();
        assertThat(files.warnIfNear(990, limit, 130_000)).as("rate limited").isFalse();
        assertThat(files.warnIfNear(990, limit, 160_000)).isTrue();
        assertThat(files.warnIfNear(5_000, new OpenFiles.Limit(-1, -1), 900_000)).as("unlimited").isFalse();
    }

    @Test
    void limitAndOpen_readFromThisProcess() {
        OpenFiles.Limit limit = OpenFiles.Limit.read();
        long open = OpenFiles.open();
        assertThat(open).isPositive();
        if (limit.soft() >= 0) {
            assertThat(open).isLessThanOrEqualTo(limit.soft());
        }
    }
}
