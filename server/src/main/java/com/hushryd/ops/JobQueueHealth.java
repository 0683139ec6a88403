package com.hushryd.ops;

import com.hushryd.jobs.JobQueue;
import com.hushryd.jobs.QueueMonitor;
import com.hushryd.jobs.QueueStats;
import java.util.LinkedHashMap;
import java.util.Map;

/** The job queue engine in {@code /health}: reachable, and each queue's depths. */
public final class JobQueueHealth implements HealthCheck {
    private final JobQueue queue;
    private final QueueMonitor monitor;
    private final long depthWarn;

    public JobQueueHealth(JobQueue queue, QueueMonitor monitor, long depthWarn) {
        this.queue = queue;
        this.monitor = monitor;
        this.depthWarn = depthWarn;
    }

    @Override
    public String name() {
        return "jobs";
    }

    @Override
    public boolean critical() {
        return false;
    }

    @Override
    public Result check() {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("backend", queue.backend());
        Map<String, Object> queues = new LinkedHashMap<>();
        Status status = Status.UP;
        try {
            for (String name : monitor.names()) {
                QueueStats s = queue.stats(name);
                queues.put(name, Map.of("waiting", s.waiting(), "active", s.active(), "delayed", s.delayed(),
                        "failed", s.failed()));
                if (s.waiting() > depthWarn) {
                    status = Status.DEGRADED;
                }
            }
        } catch (RuntimeException e) {
            details.put("error", e.getMessage());
            return new Result(Status.DOWN, details);
        }
        details.put("queues", queues);
        return new Result(status, details);
    }
}
