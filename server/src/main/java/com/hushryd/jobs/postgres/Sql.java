package com.hushryd.jobs.postgres;

import com.hushryd.jobs.JobQueueException;
import com.hushryd.store.Database;
import com.hushryd.store.SqlWork;
import java.sql.SQLException;

/** The queue code's database calls: an SQL failure becomes a {@link JobQueueException} saying what failed. */
public final class Sql {
    private Sql() {
    }

    public static <T> T read(Database db, String what, SqlWork<T> work) {
        try {
            return db.read(work);
        } catch (SQLException e) {
            throw new JobQueueException(what + ": " + e.getMessage(), e);
        }
    }

    public static <T> T tx(Database db, String what, SqlWork<T> work) {
        try {
            return db.tx(work);
        } catch (SQLException e) {
            throw new JobQueueException(what + ": " + e.getMessage(), e);
        }
    }
}
