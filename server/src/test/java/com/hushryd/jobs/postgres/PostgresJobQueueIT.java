package com.hushryd.jobs.postgres;

import com.hushryd.jobs.JobQueue;
import com.hushryd.jobs.JobQueueContract;
import com.hushryd.store.Database;
import com.hushryd.testing.TestDatabases;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

class PostgresJobQueueIT extends JobQueueContract {
    static Database db;
    static PgNotifier notifier;
    static PgLedger ledger;
    static PostgresJobQueue queue;

    @BeforeAll
    static void start() {
        db = TestDatabases.migrated();
        notifier = new PgNotifier(db);
        ledger = new PgLedger(db, "test-node");
        queue = new PostgresJobQueue(db, notifier, ledger, "test-node", LEASE);
        notifier.start();
    }

    @AfterAll
    static void stop() {
        queue.close();
        ledger.close();
        notifier.close();
        db.close();
    }

    @Override
    protected JobQueue queue() {
        return queue;
    }

    @Override
    protected Database database() {
        return db;
    }

    @Override
    protected boolean takesOnCompletion() {
        return true;
    }
}
