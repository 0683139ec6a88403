package com.hushryd.jobs;

import static com.hushryd.http.ApiRouter.Access.ADMIN;
import static io.vertx.core.http.HttpMethod.GET;
import static io.vertx.core.http.HttpMethod.POST;

import com.fasterxml.jackson.annotation.JsonRawValue;
import com.fasterxml.jackson.databind.JsonNode;
import com.hushryd.common.ApiException;
import com.hushryd.http.ApiRequest;
import com.hushryd.http.ApiRouter;
import com.hushryd.http.Reply;
import com.hushryd.common.Validator;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Admin endpoints of the job queues: counts, the failed set, manual retry, and enqueueing a job by hand. */
public final class JobRoutes {
    private JobRoutes() {
    }

    /** A queue's counts as the admin listing shows them. */
    public record QueueView(String name, long waiting, long active, long delayed, long completed, long failed,
            double ratePerSecond) {
    }

    public record Queues(String backend, List<QueueView> queues) {
    }

    /** A job as the admin listing shows it; the payload is the job's JSON as it was enqueued. */
    public record JobView(UUID id, String queue, String type, @JsonRawValue String payload, String priority,
            String state, int attempts, int maxAttempts, Instant createdAt, Instant finishedAt, String lastError,
            List<Attempt> history) {
        static JobView of(Job j) {
            return new JobView(j.id(), j.queue(), j.type(), j.payload(), j.priority().label(), j.state().label(),
                    j.attempts(), j.maxAttempts(), j.createdAt(), j.finishedAt(), j.lastError(), j.history());
        }
    }

    public record FailedJobs(String queue, List<JobView> items) {
    }

    public record Retried(UUID jobId, String queue, String state) {
    }

    /** The body of {@code POST /admin/queues/{name}/jobs}. */
    public record EnqueueInput(String type, JsonNode payload, String priority, Integer delaySeconds, Integer attempts,
            String idempotencyKey) {
    }

    public static void register(ApiRouter api, JobProducer producer, QueueMonitor monitor, JobHandlers handlers) {
        JobQueue queue = producer.queue();
        api.api(GET, "/admin/queues", ADMIN, req -> {
            req.allowQuery();
            List<QueueView> views = monitor.names().stream().map(queue::stats).map(s -> new QueueView(s.queue(),
                    s.waiting(), s.active(), s.delayed(), s.completed(), s.failed(),
                    Math.round(s.ratePerSecond() * 100) / 100.0)).toList();
            return new Queues(queue.backend(), views);
        });
        api.api(GET, "/admin/queues/{name}/failed", ADMIN, req -> {
            req.allowQuery("limit");
            String name = known(req, monitor);
            Integer limit = req.queryInt("limit", 1, 500);
            return new FailedJobs(name, queue.failed(name, limit == null ? 50 : limit).stream().map(JobView::of)
                    .toList());
        });
        api.api(POST, "/admin/queues/{name}/jobs/{id}/retry", ADMIN, req -> {
            String name = known(req, monitor);
            UUID id = req.pathUuid("id");
            if (!queue.retry(name, id)) {
                throw new ApiException(404, "JOB_NOT_FOUND", "no failed job " + id + " in queue " + name);
            }
            return new Retried(id, name, JobState.WAITING.label());
        });
        api.api(POST, "/admin/queues/{name}/jobs", ADMIN, com.hushryd.common.RouteClass.BACKGROUND, req -> {
            if (!JobRequest.validName(req.path("name"))) {
                throw ApiException.invalid("name", "must be 1-63 lower-case letters, digits, '-' or '_'");
            }
            // a job for a queue nobody works on would wait forever and the queue would haunt /health: refuse it
            String name = known(req, monitor);
            EnqueueInput in = req.body(EnqueueInput.class);
            Validator v = new Validator();
            String type = v.text("type", in.type(), 1, 63, true);
            if (type != null && handlers.get(type).isEmpty()) {
                v.fail("type", "no handler for this job type; known: " + handlers.types());
            }
            Priority priority = in.priority() == null ? Priority.NORMAL
                    : v.choice("priority", in.priority(), List.of(Priority.values()), false);
            Integer delay = v.integer("delaySeconds", in.delaySeconds(), 0, 7 * 86_400, false);
            Integer attempts = v.integer("attempts", in.attempts(), 1, 25, false);
            String key = v.text("idempotencyKey", in.idempotencyKey(), 1, 200, false);
            if (in.payload() != null && !in.payload().isObject()) {
                v.fail("payload", "must be a JSON object");
            }
            v.throwIfInvalid();
            JobRequest job = JobRequest.of(name, type, in.payload() == null ? "{}" : in.payload().toString())
                    .withPriority(priority)
                    .withDelay(Duration.ofSeconds(delay == null ? 0 : delay))
                    .withAttempts(attempts == null ? JobRequest.DEFAULT_ATTEMPTS : attempts, JobRequest.DEFAULT_BACKOFF)
                    .withIdempotencyKey(key);
            return reply(producer.submit(job));
        });
    }

    /** 201 with the receipt, or 202 when the queue is deeper than QUEUE_DEPTH_WARN (seed 000 SCALE_001). */
    public static Reply reply(JobProducer.Receipt r) {
        return r.busy() ? Reply.accepted(r) : Reply.created(r);
    }

    private static String known(ApiRequest req, QueueMonitor monitor) {
        String name = req.path("name");
        if (!JobRequest.validName(name) || !monitor.names().contains(name)) {
            throw new ApiException(404, "QUEUE_NOT_FOUND", "no queue named '" + name + "'",
                    Map.of("queue", name), null);
        }
        return name;
    }
}
