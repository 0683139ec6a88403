package com.hushryd.jobs.redis;

import com.hushryd.jobs.JobQueue;
import com.hushryd.jobs.JobQueueContract;
import com.hushryd.jobs.outbox.OutboxRelay;
import com.hushryd.jobs.postgres.PgNotifier;
import com.hushryd.store.Database;
import com.hushryd.testing.TestDatabases;
import com.hushryd.testing.TestRedis;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

class RedisJobQueueIT extends JobQueueContract {
    static final String PREFIX = TestRedis.prefix();
    static Database db;
    static PgNotifier notifier;
    static RedisJobQueue queue;
    static OutboxRelay relay;

    @BeforeAll
    static void start() {
        db = TestDatabases.migrated();
        notifier = new PgNotifier(db);
        queue = new RedisJobQueue(TestRedis.redisUrl(), PREFIX, "test-node", LEASE);
        relay = new OutboxRelay(db, queue, notifier).start();
        notifier.start();
    }

    @AfterAll
    static void stop() {
        relay.close();
        queue.close();
        notifier.close();
        db.close();
        TestRedis.deleteKeys(PREFIX);
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
