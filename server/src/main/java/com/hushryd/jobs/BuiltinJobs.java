package com.hushryd.jobs;

import com.hushryd.store.Database;
import com.hushryd.store.Jdbc;

/**
 * Job types every worker knows, for operations and benchmarks (README, "Jobs and workers"):
 * <ul>
 *   <li>{@code noop}: does nothing (queue overhead benchmarks);</li>
 *   <li>{@code probe}: payload {@code {"sleepMs":n,"failAttempts":k,"holdMs":h}}; sleeps n ms (interruptibly), fails
 *       its first k attempts, then records the completion in {@code job_probes} (job id, worker) so that an operator
 *       or a test can count how often each job really completed. On its first attempt it then holds h ms more before
 *       it returns: the effect is recorded but the job is not yet settled, the window in which a crashed worker
 *       makes a job run twice (crash tests kill the worker there).</li>
 * </ul>
 */
public final class BuiltinJobs {
    /** The general-purpose queue of the built-in jobs. */
    public static final String QUEUE = "jobs";

    private BuiltinJobs() {
    }

    record Probe(long sleepMs, int failAttempts, long holdMs) {
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
            if (p.holdMs() > 0 && ctx.attempt() == 1) {
                Thread.sleep(p.holdMs());
            }
        });
    }
}
