package com.hushryd.jobs.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hushryd.store.Database;
import com.hushryd.store.Jdbc;
import com.hushryd.testing.TestDatabases;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class PgNotifierIT {
    @Test
    void notifyCommittedByAnotherConnection_reachesTheSubscriber_andARolledBackOneDoesNot() throws Exception {
        try (Database db = TestDatabases.migrated()) {
            List<String> got = new CopyOnWriteArrayList<>();
            try (PgNotifier notifier = new PgNotifier(db).subscribe("hushryd_test", got::add).start()) {
                // the listener announces itself with an empty payload once it listens
                await().atMost(Duration.ofSeconds(10)).until(() -> got.contains(""));
                try {
                    db.tx(c -> {
                        Jdbc.one(c, "SELECT pg_notify('hushryd_test', 'rolled-back')", rs -> 1);
                        throw new java.sql.SQLException("abort");
                    });
                } catch (java.sql.SQLException expected) {
                    // rolled back
                }
                db.tx(c -> Jdbc.one(c, "SELECT pg_notify('hushryd_test', 'q1')", rs -> 1));
                await().atMost(Duration.ofSeconds(10)).until(() -> got.contains("q1"));
                assertThat(got).doesNotContain("rolled-back");
                assertThat(db.poolStats().active()).as("LISTEN holds no pooled connection").isZero();
            }
        }
    }
}
