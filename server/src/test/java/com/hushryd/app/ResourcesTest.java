package com.hushryd.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ResourcesTest {
    @Test
    void closesInReverseOrderOfCreationAndGoesOnPastAFailure() {
        List<String> closed = new ArrayList<>();
        Resources resources = new Resources();
        resources.add("database", "db", () -> closed.add("database"));
        resources.add("broker", "broker", () -> {
            closed.add("broker");
            throw new IllegalStateException("already gone");
        });
        resources.add("absent", null, () -> closed.add("absent"));
        resources.add("http", "http", () -> closed.add("http"));
        assertThat(resources.names()).containsExactly("http", "broker", "database");

        resources.close();

        assertThat(closed).containsExactly("http", "broker", "database");
        assertThat(resources.names()).isEmpty();
        resources.close();
        assertThat(closed).hasSize(3);
    }
}
