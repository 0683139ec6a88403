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
}
