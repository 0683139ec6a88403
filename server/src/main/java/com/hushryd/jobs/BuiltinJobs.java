package com.hushryd.jobs;

import com.hushryd.store.Database;
import com.hushryd.store.Jdbc;

/**
 * Job types every worker knows, for operations and benchmarks (README, "Jobs and workers"):
 * <ul>
 *   <li>{@code noop}: does nothing (queue overhead benchmarks);</li>
 *   <li>{@code probe}: payload {@code {"sleepMs":n,"failAttempts":k}}; sleeps n ms (interruptibly), fails its first
 *       k attempts, then records the completion in {@code job_probes} (job id, worker) so that an operator or a test
 *       can count how often each job really completed.</li>
 * </ul>
 */
public final class BuiltinJobs {
    /** The general-purpose queue of the built-in jobs. */
    public static final String QUEUE = "jobs";

    private BuiltinJobs() {
    }

    record Probe(long sleepMs, int failAttempts) {
    }

    public static void register(JobHandlers handlers, Database db) {
        handlers.register("noop", ctx -> { });
        handlers.register("probe", ctx -> {
            Probe p = ctx.payload(Probe.class);
            if (p.sleepMs() > 0) {
                Thread.sleep(p.sleepMs());
            }
            if (ctx.attempt() <= p.failAttempts()) {
                throw new IllegalStateException("probe told to fail attempt " + ctx.attempt());
            }
            db.read(c -> Jdbc.update(c, "INSERT INTO job_probes (job_id, worker) VALUES (?, ?)", ctx.jobId(),
                    ctx.worker()));
        });
    }
}
