package com.hushryd.testing;

import com.hushryd.store.Database;
import com.hushryd.store.DatabaseUrl;
import java.time.Duration;

/** Opens a pool on a fresh, migrated test database (for tests of components below the node). */
public final class TestDatabases {
    private TestDatabases() {
    }

    public static Database migrated() {
        Database db = Database.connect(DatabaseUrl.parse(TestPostgres.get().newDatabase()),
                new Database.Settings(16, 0, Duration.ofSeconds(10), Duration.ofSeconds(30), "hushryd-test"), null);
        db.migrate();
        return db;
    }
}
