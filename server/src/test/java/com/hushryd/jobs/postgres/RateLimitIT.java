package com.hushryd.jobs.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hushryd.jobs.JobHandlers;
import com.hushryd.jobs.JobMetrics;
import com.hushryd.jobs.JobRequest;
import com.hushryd.jobs.QueueSettings;
import com.hushryd.jobs.Worker;
import com.hushryd.store.Database;
import com.hushryd.testing.TestDatabases;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A queue's rate limit holds across workers (processes, nodes), not per worker. */
class RateLimitIT {
    /** An hour-long window, so that no window boundary falls inside a test. */
    static final Duration WINDOW = Duration.ofHours(1);
    static Database db;

    @BeforeAll
    static void start() {
        db = TestDatabases.migrated();
    }

    @AfterAll
    static void stop() {
        db.close();
    }

    @Test
    void twoNodesGates_shareOneWindow() {
        PgRateGate node1 = new PgRateGate(db, WINDOW);
        PgRateGate node2 = new PgRateGate(db, WINDOW);
        assertThat(node1.acquire("limited-a", 3, 5)).isEqualTo(3);
        assertThat(node2.acquire("limited-a", 3, 5)).isEqualTo(2);
        assertThat(node1.acquire("limited-a", 1, 5)).isZero();
        assertThat(node2.acquire("limited-b", 1, 5)).as("another queue has its own window").isEqualTo(1);
    }

    @Test
    void twoWorkers_startNoMoreJobsThanTheQueueLimitAllows_theRestStayWaiting() {
        PgNotifier notifier = new PgNotifier(db);
        PgLedger ledger = new PgLedger(db, "t");
        PostgresJobQueue queue = new PostgresJobQueue(db, notifier, ledger, "t", Duration.ofSeconds(5));
        notifier.start();
        for (int i = 0; i < 10; i++) {
            queue.add(JobRequest.of("limited-w", "test", "{}"));
        }
        AtomicInteger started = new AtomicInteger();
        JobHandlers handlers = new JobHandlers().register("test", ctx -> started.incrementAndGet());
        List<QueueSettings> limited = List.of(new QueueSettings("limited-w", 4, 3));
        Worker w1 = new Worker(queue, handlers, limited, Duration.ofSeconds(5), JobMetrics.NONE, "w1",
                new PgRateGate(db, WINDOW)).start();
        Worker w2 = new Worker(queue, handlers, limited, Duration.ofSeconds(5), JobMetrics.NONE, "w2",
                new PgRateGate(db, WINDOW)).start();
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> started.get() == 3);
            await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> started.get() == 3);
            assertThat(queue.stats("limited-w").waiting()).as("jobs over the limit were given back").isEqualTo(7);
        } finally {
            w1.close(Duration.ofSeconds(1));
            w2.close(Duration.ofSeconds(1));
            notifier.close();
            ledger.close();
        }
    }
}
