package com.hushryd.jobs.rabbitmq;

import com.hushryd.jobs.JobQueue;
import com.hushryd.jobs.JobQueueContract;
import com.hushryd.jobs.JobSource;
import com.hushryd.jobs.outbox.OutboxRelay;
import com.hushryd.jobs.postgres.PgLedger;
import com.hushryd.jobs.postgres.PgNotifier;
import com.hushryd.store.Database;
import com.hushryd.testing.TestDatabases;
import com.hushryd.testing.TestRabbit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

class RabbitJobQueueIT extends JobQueueContract {
    static final String PREFIX = TestRabbit.prefix();
    static Database db;
    static PgNotifier notifier;
    static PgLedger ledger;
    static RabbitJobQueue queue;
    static OutboxRelay relay;

    @BeforeAll
    static void start() {
        if (!TestRabbit.reachable()) {
            return; // each test is skipped by needsRabbit (an assumption here would hide them from the counts)
        }
        db = TestDatabases.migrated();
        notifier = new PgNotifier(db);
        ledger = new PgLedger(db, "test-node");
        queue = new RabbitJobQueue(TestRabbit.url(), PREFIX, db, ledger, "test-node");
        relay = new OutboxRelay(db, queue, notifier).start();
        notifier.start();
    }

    @BeforeEach
    void needsRabbit() {
        TestRabbit.assumeReachable();
    }

    @AfterAll
    static void stop() {
        if (queue == null) {
            return;
        }
        var names = queue.queues();
        relay.close();
        queue.close();
        ledger.close();
        notifier.close();
        db.close();
        TestRabbit.deleteQueues(PREFIX, names, RabbitJobQueue.DELAY_LEVELS);
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
    protected void crash(JobSource holder) {
        holder.close();
    }

    /**
     * An acknowledged delivery is gone from the broker, so settlement is read from what the queue keeps of it: the
     * completion counters in PostgreSQL (incremented once the ack went through) and the broker's empty job and delay
     * queues.
     */
    @Override
    protected boolean settledAsCompleted(java.util.List<java.util.UUID> ids) {
        var s = queue.stats(q);
        return s.completed() >= ids.size() && s.waiting() == 0 && s.delayed() == 0;
    }

    @Override
    protected boolean positionCountsPriority() {
        return false;
    }
}
