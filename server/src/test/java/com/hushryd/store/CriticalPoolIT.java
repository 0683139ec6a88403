package com.hushryd.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.hushryd.testing.TestPostgres;
import java.sql.Connection;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The reserved capacity for critical work: a write succeeds while the main pool has no connection to give. */
class CriticalPoolIT {
    @Test
    void mainPoolSaturated_criticalWriteStillSucceeds_normalWorkGetsAPoolTimeout() throws Exception {
        DatabaseUrl url = DatabaseUrl.parse(TestPostgres.get().newDatabase());
        try (Database db = Database.connect(url, new Database.Settings(2, 0, Duration.ofMillis(300),
                Duration.ofSeconds(5), "test"), null, 1, null)) {
            db.migrate();
            Integer created = db.tx(c -> Jdbc.update(c, "CREATE TABLE sos_probe (id serial PRIMARY KEY, note text)"));
            assertThat(created).isZero();
            List<Connection> held = new ArrayList<>();
            try {
                held.add(db.dataSource().getConnection());
                held.add(db.dataSource().getConnection());
                assertThatThrownBy(() -> db.read(c -> Jdbc.one(c, "SELECT 1", rs -> rs.getInt(1))))
                        .isInstanceOf(SQLTransientConnectionException.class);
                Integer inserted = db.critical().tx(c -> Jdbc.update(c, "INSERT INTO sos_probe (note) VALUES (?)",
                        "help"));
                assertThat(inserted).isEqualTo(1);
            } finally {
                for (Connection c : held) {
                    c.close();
                }
            }
            java.util.Optional<Integer> count = db.read(c -> Jdbc.one(c, "SELECT count(*) FROM sos_probe",
                    rs -> rs.getInt(1)));
            assertThat(count).contains(1);
        }
    }

    @Test
    void noReserveConfigured_criticalIsTheMainPool() throws Exception {
        try (Database db = Database.connect(DatabaseUrl.parse(TestPostgres.get().newDatabase()),
                new Database.Settings(2, 0, Duration.ofSeconds(2), Duration.ofSeconds(5), "test"), null)) {
            assertThat(db.critical()).isSameAs(db);
        }
    }

    @Test
    void urgentTransactionRunning_mainPoolLendsOnlyItsYieldLimit_andAllOfItOnceTheUrgentOneCommits()
            throws Exception {
        DatabaseUrl url = DatabaseUrl.parse(TestPostgres.get().newDatabase());
        try (Database db = Database.connect(url, new Database.Settings(3, 0, Duration.ofMillis(300),
                Duration.ofSeconds(30), "test"), null, 1, null, 1)) {
            java.util.concurrent.CountDownLatch urgentMayCommit = new java.util.concurrent.CountDownLatch(1);
            java.util.concurrent.CountDownLatch urgentRunning = new java.util.concurrent.CountDownLatch(1);
            java.util.concurrent.CountDownLatch holderMayReturn = new java.util.concurrent.CountDownLatch(1);
            java.util.concurrent.CountDownLatch holderHolds = new java.util.concurrent.CountDownLatch(1);
            var pool = java.util.concurrent.Executors.newCachedThreadPool();
            try {
                // one main-pool caller holds a connection (its statement running), as the yield limit allows
                var holder = pool.submit(() -> db.read(c -> {
                    holderHolds.countDown();
                    awaitLatch(holderMayReturn);
                    return 1;
                }));
                holderHolds.await();
                var urgent = pool.submit(() -> db.critical().urgent(c -> {
                    urgentRunning.countDown();
                    awaitLatch(urgentMayCommit);
                    return Jdbc.one(c, "SELECT 1", rs -> rs.getInt(1)).orElseThrow();
                }));
                urgentRunning.await();
                // the pool has two idle connections, but while the SOS is being written the next caller waits, and
                // after its pool timeout gives up as at an exhausted pool (503 DB_POOL_EXHAUSTED)
                assertThatThrownBy(() -> db.read(c -> Jdbc.one(c, "SELECT 1", rs -> rs.getInt(1))))
                        .isInstanceOf(SQLTransientConnectionException.class);
                urgentMayCommit.countDown();
                Integer committed = urgent.get();
                assertThat(committed).isEqualTo(1);
                java.util.Optional<Integer> after = db.read(c -> Jdbc.one(c, "SELECT 2", rs -> rs.getInt(1)));
                assertThat(after).contains(2);
                holderMayReturn.countDown();
                Integer held = holder.get();
                assertThat(held).isEqualTo(1);
            } finally {
                urgentMayCommit.countDown();
                holderMayReturn.countDown();
                pool.shutdownNow();
            }
        }
    }

    @Test
    void yieldAtOrAbovePoolSize_urgentTransactionHoldsNobodyBack() throws Exception {
        DatabaseUrl url = DatabaseUrl.parse(TestPostgres.get().newDatabase());
        try (Database db = Database.connect(url, new Database.Settings(2, 0, Duration.ofMillis(300),
                Duration.ofSeconds(30), "test"), null, 1, null, 2)) {
            Integer inside = db.critical().urgent(c -> db.read(m -> Jdbc.one(m, "SELECT 3", rs -> rs.getInt(1)))
                    .orElseThrow());
            assertThat(inside).isEqualTo(3);
        }
    }

    private static void awaitLatch(java.util.concurrent.CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
