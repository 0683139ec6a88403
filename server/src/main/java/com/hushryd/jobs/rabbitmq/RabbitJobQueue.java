package com.hushryd.jobs.rabbitmq;

import com.hushryd.jobs.Attempt;
import com.hushryd.jobs.Enqueued;
import com.hushryd.jobs.Job;
import com.hushryd.jobs.JobJson;
import com.hushryd.jobs.JobQueue;
import com.hushryd.jobs.JobQueueException;
import com.hushryd.jobs.JobRequest;
import com.hushryd.jobs.JobSource;
import com.hushryd.jobs.JobState;
import com.hushryd.jobs.Lease;
import com.hushryd.jobs.Priority;
import com.hushryd.jobs.QueueStats;
import com.hushryd.jobs.outbox.JobOutbox;
import com.hushryd.jobs.outbox.OutboxTarget;
import com.hushryd.jobs.postgres.PgLedger;
import com.hushryd.jobs.postgres.Sql;
import com.hushryd.store.Database;
import com.hushryd.store.Ids;
import com.hushryd.store.Jdbc;
import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Job queues in RabbitMQ. Each queue is a durable classic queue with {@code x-max-priority} 2, fed persistent
 * messages through publisher confirms and consumed with manual acknowledgements (prefetch = the worker's
 * concurrency). Delays and retry backoff go through per-queue delay queues of 1 s, 2 s, 4 s ... 2^15 s whose
 * message TTL dead-letters back into the job queue; a job that arrives early bounces through a shorter delay queue.
 * A crashed worker's unacknowledged messages are redelivered by the broker and counted as a spent attempt. The
 * failed set, idempotency keys, counters and the queue registry live in PostgreSQL, because a broker offers no
 * random access to them. See decision 0008.
 */
public final class RabbitJobQueue implements JobQueue, OutboxTarget {
    private static final Logger log = LoggerFactory.getLogger(RabbitJobQueue.class);
    public static final int DELAY_LEVELS = 16;

    private final Database db;
    private final PgLedger ledger;
    private final String prefix;
    private final String workerId;
    private final Connection connection;
    private final ConfirmingPublisher publisher;
    private final Set<String> declared = ConcurrentHashMap.newKeySet();
    private final Map<String, AtomicInteger> inFlight = new ConcurrentHashMap<>();
    private final java.util.concurrent.BlockingQueue<Channel> adminChannels =
            new java.util.concurrent.ArrayBlockingQueue<>(8);

    /** @param prefix put before every queue name, e.g. {@code hushryd.} (tests use their own) */
    public RabbitJobQueue(String url, String prefix, Database db, PgLedger ledger, String workerId) {
        this.db = db;
        this.ledger = ledger;
        this.prefix = prefix;
        this.workerId = workerId;
        ConnectionFactory f = new ConnectionFactory();
        try {
            f.setUri(url);
        } catch (Exception e) {
            throw new IllegalArgumentException("RABBITMQ_URL: " + e.getMessage(), e);
        }
        f.setAutomaticRecoveryEnabled(true);
        f.setNetworkRecoveryInterval(2000);
        f.setConnectionTimeout(5000);
        try {
            this.connection = f.newConnection("hushryd-" + workerId);
        } catch (IOException | TimeoutException e) {
            throw new JobQueueException("cannot connect to RabbitMQ at " + f.getHost() + ":" + f.getPort() + ": "
                    + e.getMessage(), e);
        }
        this.publisher = new ConfirmingPublisher(connection);
    }

    private String main(String queue) {
        return prefix + queue;
    }

    private String delayQueue(String queue, int level) {
        return prefix + queue + ".delay." + (1L << level) + "s";
    }

    private interface ChannelWork<T> {
        T run(Channel ch) throws IOException;
    }

    /**
     * Runs declarations and counts on a pooled channel, so concurrent producers do not queue behind one channel; a
     * channel the broker closed (a failed declaration closes it) is dropped.
     */
    private <T> T onChannel(ChannelWork<T> work) throws IOException {
        Channel ch = adminChannels.poll();
        if (ch == null || !ch.isOpen()) {
            ch = connection.createChannel();
        }
        T result = work.run(ch);
        if (!adminChannels.offer(ch)) {
            try {
                ch.close();
            } catch (IOException | TimeoutException | RuntimeException e) {
                log.debug("closing a spare channel: {}", e.getMessage());
            }
        }
        return result;
    }

    /** Declares the job queue and its delay queues (idempotent; once per process and queue). */
    private void declare(String queue) {
        if (declared.contains(queue)) {
            return;
        }
        try {
            onChannel(ch -> {
                ch.queueDeclare(main(queue), true, false, false, Map.of("x-max-priority", 2));
                for (int level = 0; level < DELAY_LEVELS; level++) {
                    ch.queueDeclare(delayQueue(queue, level), true, false, false, Map.of(
                            "x-message-ttl", (1L << level) * 1000,
                            "x-dead-letter-exchange", "",
                            "x-dead-letter-routing-key", main(queue)));
                }
                return null;
            });
            ledger.register(queue);
            declared.add(queue);
        } catch (IOException e) {
            throw new JobQueueException("cannot declare the queues of " + queue + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String backend() {
        return "rabbitmq";
    }

    /** Publishes an envelope where it belongs now: the job queue if due, else the right delay queue. */
    private void publish(JobMessage e) {
        declare(e.queue());
        long wait = e.runAt() - System.currentTimeMillis();
        String target = main(e.queue());
        if (wait > 50) {
            int level = 0;
            while (level + 1 < DELAY_LEVELS && (1L << (level + 1)) * 1000 <= wait) {
                level++;
            }
            target = delayQueue(e.queue(), level);
        }
        AMQP.BasicProperties props = new AMQP.BasicProperties.Builder()
                .deliveryMode(2)
                .priority(2 - e.priority())
                .messageId(e.id().toString())
                .contentType("application/json")
                .build();
        publisher.publish(target, props, JobJson.write(e).getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public Enqueued add(JobRequest job) {
        declare(job.queue());
        if (job.idempotencyKey() == null) {
            UUID id = Ids.newId();
            publish(JobMessage.of(id, job, System.currentTimeMillis()));
            return answer(id, job, false);
        }
        try {
            // claim the key and publish in one transaction: a failed publish frees the key again
            return db.tx(c -> {
                UUID id = Ids.newId();
                Optional<UUID> existing = PgLedger.claimKey(c, job.queue(), job.idempotencyKey(), id);
                if (existing.isPresent()) {
                    return answer(existing.get(), job, true);
                }
                publish(JobMessage.of(id, job, System.currentTimeMillis()));
                return answer(id, job, false);
            });
        } catch (SQLException e) {
            throw new JobQueueException("enqueue to " + job.queue() + " failed: " + e.getMessage(), e);
        }
    }

    private Enqueued answer(UUID id, JobRequest job, boolean duplicate) {
        long ahead = ahead(job);
        return new Enqueued(id, ahead, JobQueue.estimate(ahead, ledger.rate(job.queue())), duplicate);
    }

    /** Ready messages of the queue: AMQP does not count per priority, so every job is told the whole count. */
    private long ahead(JobRequest job) {
        return Math.max(0, ready(main(job.queue())) - (job.delay().isZero() ? 1 : 0));
    }

    private long ready(String queueName) {
        try {
            return onChannel(ch -> (long) ch.queueDeclarePassive(queueName).getMessageCount());
        } catch (IOException e) {
            throw new JobQueueException("cannot count " + queueName + ": " + e.getMessage(), e);
        }
    }

    @Override
    public Enqueued add(java.sql.Connection tx, JobRequest job) throws SQLException {
        declare(job.queue());
        return JobOutbox.enqueue(tx, job, this::ahead, ledger::rate);
    }

    @Override
    public void deliver(UUID jobId, JobRequest job) {
        publish(JobMessage.of(jobId, job, System.currentTimeMillis()));
    }

    @Override
    public JobSource source(String queue, int capacity) {
        declare(queue);
        return new Source(queue, capacity);
    }

    @Override
    public Set<String> queues() {
        return ledger.queues();
    }

    @Override
    public QueueStats stats(String queue) {
        declare(queue);
        long delayed = 0;
        for (int level = 0; level < DELAY_LEVELS; level++) {
            delayed += ready(delayQueue(queue, level));
        }
        try {
            long failed = db.read(c -> Jdbc.one(c, "SELECT count(*) FROM job_dead_letters WHERE queue = ?",
                    rs -> rs.getLong(1), queue)).orElse(0L);
            return new QueueStats(queue, ready(main(queue)), ledger.active(queue), delayed, ledger.last24h(queue)[0],
                    failed, ledger.rate(queue));
        } catch (SQLException e) {
            throw new JobQueueException("cannot read stats of " + queue + ": " + e.getMessage(), e);
        }
    }

    private static final String DEAD_COLUMNS = "id, queue, type, payload::text AS payload, priority, attempts, "
            + "envelope::text AS envelope, last_error, history::text AS history, created_at, failed_at";

    private static Job deadLetter(ResultSet rs) throws SQLException {
        JobMessage e = JobJson.read(rs.getString("envelope"), JobMessage.class);
        return new Job(Jdbc.uuid(rs, "id"), rs.getString("queue"), rs.getString("type"), e.payload(),
                Priority.ofRank(rs.getShort("priority")), JobState.FAILED, rs.getInt("attempts"), e.maxAttempts(),
                Jdbc.instant(rs, "created_at"), Jdbc.instant(rs, "failed_at"), rs.getString("last_error"),
                JobJson.history(rs.getString("history")));
    }

    @Override
    public List<Job> failed(String queue, int limit) {
        return Sql.read(db, "cannot list failed jobs of " + queue, c -> Jdbc.list(c, "SELECT " + DEAD_COLUMNS + " FROM job_dead_letters WHERE queue = ? "
                    + "ORDER BY failed_at DESC, id DESC LIMIT ?", RabbitJobQueue::deadLetter, queue, limit));
    }

    /** Only failed jobs can be looked up: the broker gives no access to a message by id. */
    @Override
    public Optional<Job> job(String queue, UUID id) {
        return Sql.read(db, "cannot read job " + id, c -> Jdbc.one(c, "SELECT " + DEAD_COLUMNS + " FROM job_dead_letters WHERE queue = ? "
                    + "AND id = ?", RabbitJobQueue::deadLetter, queue, id));
    }

    @Override
    public boolean retry(String queue, UUID id) {
        return Sql.tx(db, "cannot retry job " + id, c -> {
                Optional<String> envelope = Jdbc.one(c, "SELECT envelope::text FROM job_dead_letters "
                        + "WHERE queue = ? AND id = ? FOR UPDATE", rs -> rs.getString(1), queue, id);
                if (envelope.isEmpty()) {
                    return false;
                }
                publish(JobJson.read(envelope.get(), JobMessage.class).fresh(System.currentTimeMillis()));
                Jdbc.update(c, "DELETE FROM job_dead_letters WHERE id = ?", id);
                return true;
            });
    }

    private void deadLetter(JobMessage e) {
        try {
            db.read(c -> Jdbc.update(c, "INSERT INTO job_dead_letters (id, queue, type, payload, priority, attempts, "
                    + "envelope, last_error, history, created_at) VALUES (?, ?, ?, ?::jsonb, ?, ?, ?::jsonb, ?, "
                    + "?::jsonb, ?) ON CONFLICT (id) DO UPDATE SET attempts = EXCLUDED.attempts, envelope = "
                    + "EXCLUDED.envelope, last_error = EXCLUDED.last_error, history = EXCLUDED.history, "
                    + "failed_at = now()", e.id(), e.queue(), e.type(), e.payload(), (short) e.priority(),
                    e.attempts(), JobJson.write(e), e.lastError(), JobJson.write(e.history()),
                    java.time.Instant.ofEpochMilli(e.createdAt())));
        } catch (SQLException ex) {
            throw new JobQueueException("cannot store failed job " + e.id() + ": " + ex.getMessage(), ex);
        }
    }

    @Override
    public void close() {
        publisher.close();
        try {
            connection.close(5000);
        } catch (IOException | RuntimeException e) {
            log.debug("closing the RabbitMQ connection: {}", e.getMessage());
        }
    }

    private record Delivery(long tag, boolean redelivered, byte[] body) {
    }

    private final class Source implements JobSource {
        private final String queue;
        private final Channel channel;
        private final LinkedBlockingQueue<Delivery> buffer = new LinkedBlockingQueue<>();
        private final AtomicInteger running;
        private final String consumerTag;
        private volatile boolean paused;

        Source(String queue, int capacity) {
            this.queue = queue;
            this.running = inFlight.computeIfAbsent(queue, q -> new AtomicInteger());
            ledger.trackActive(queue, running::get);
            try {
                channel = connection.createChannel();
                channel.basicQos(capacity);
                consumerTag = "hushryd-" + workerId + "-" + UUID.randomUUID();
                channel.basicConsume(main(queue), false, consumerTag,
                        new DefaultConsumer(channel) {
                            @Override
                            public void handleDelivery(String tag, Envelope env, AMQP.BasicProperties props,
                                    byte[] body) {
                                buffer.add(new Delivery(env.getDeliveryTag(), env.isRedeliver(), body));
                            }
                        });
            } catch (IOException e) {
                throw new JobQueueException("cannot consume " + main(queue) + ": " + e.getMessage(), e);
            }
        }

        @Override
        public List<Lease> take(int max, Duration wait) throws InterruptedException {
            List<Lease> leases = new ArrayList<>();
            long deadline = System.nanoTime() + wait.toNanos();
            while (leases.isEmpty()) {
                long left = deadline - System.nanoTime();
                Delivery first = buffer.poll(Math.max(0, left), TimeUnit.NANOSECONDS);
                if (first == null) {
                    return leases;
                }
                List<Delivery> batch = new ArrayList<>();
                batch.add(first);
                buffer.drainTo(batch, max - 1);
                for (Delivery d : batch) {
                    Lease l = admit(d);
                    if (l != null) {
                        leases.add(l);
                    }
                }
            }
            running.addAndGet(leases.size());
            return leases;
        }

        /** Turns a delivery into a lease, or handles it here: early (delayed) jobs and crashed attempts. */
        private Lease admit(Delivery d) {
            JobMessage e = JobJson.read(new String(d.body(), StandardCharsets.UTF_8), JobMessage.class);
            long now = System.currentTimeMillis();
            if (d.redelivered()) {
                // the worker that had it died mid-attempt (or its connection did): that attempt is spent
                Attempt crashed = new Attempt(e.attempts() + 1, null, null, java.time.Instant.ofEpochMilli(now),
                        "stalled: worker connection lost during the attempt");
                JobMessage next = e.after(crashed, now);
                if (next.attempts() >= next.maxAttempts()) {
                    deadLetter(next);
                    ledger.failed(queue);
                } else {
                    publish(next);
                }
                ack(d.tag());
                log.warn("{}: job {} was redelivered after a lost worker; attempt {} counted as stalled", queue,
                        e.id(), next.attempts());
                return null;
            }
            if (e.runAt() > now + 50) {
                publish(e);
                ack(d.tag());
                return null;
            }
            return new Lease(e.id(), queue, e.type(), e.payload(), Priority.ofRank(e.priority()), e.attempts() + 1,
                    e.maxAttempts(), Duration.ofMillis(e.backoffMs()), Duration.ofMillis(e.timeoutMs()),
                    e.removeOnComplete(), e.removeOnFail(), Long.toString(d.tag()), new Held(d.tag(), e));
        }

        private void ack(long tag) {
            try {
                synchronized (channel) {
                    channel.basicAck(tag, false);
                }
            } catch (IOException | RuntimeException ex) {
                throw new JobQueueException("ack failed (the job will be redelivered): " + ex.getMessage(), ex);
            }
        }

        private void done(Lease lease) {
            running.decrementAndGet();
            ack(((Held) lease.handle()).tag());
        }

        @Override
        public void complete(Lease lease, Attempt attempt) {
            done(lease);
            ledger.completed(queue);
        }

        @Override
        public void retry(Lease lease, Attempt attempt, Duration delay) {
            JobMessage e = ((Held) lease.handle()).envelope();
            publish(e.after(attempt, System.currentTimeMillis() + delay.toMillis()));
            done(lease);
        }

        @Override
        public void fail(Lease lease, Attempt attempt) {
            JobMessage e = ((Held) lease.handle()).envelope();
            if (lease.removeOnFail() > 0) {
                deadLetter(e.after(attempt, System.currentTimeMillis()));
            }
            done(lease);
            ledger.failed(queue);
        }

        @Override
        public void release(Lease lease) {
            publish(((Held) lease.handle()).envelope());
            done(lease);
        }

        @Override
        public void extend(Collection<Lease> leases) {
            // the broker keeps an unacknowledged message from other consumers for as long as this channel lives
        }

        @Override
        public void maintain() {
            try {
                db.read(c -> Jdbc.update(c, "DELETE FROM job_dead_letters WHERE id IN (SELECT id FROM (SELECT id, "
                        + "(envelope->>'removeOnFail')::int AS keep, row_number() OVER (ORDER BY failed_at DESC, "
                        + "id DESC) AS rn FROM job_dead_letters WHERE queue = ?) t WHERE rn > keep)", queue));
            } catch (SQLException e) {
                throw new JobQueueException("upkeep of " + queue + " failed: " + e.getMessage(), e);
            }
        }

        @Override
        public void pause() {
            if (paused) {
                return;
            }
            paused = true;
            try {
                synchronized (channel) {
                    if (channel.isOpen()) {
                        channel.basicCancel(consumerTag);
                    }
                }
            } catch (IOException | RuntimeException e) {
                log.debug("cancelling the consumer of {}: {}", queue, e.getMessage());
            }
        }

        @Override
        public void close() {
            pause();
            // fetched ahead but never started: publish them back unchanged, so no attempt is counted for them
            for (Delivery d = buffer.poll(); d != null; d = buffer.poll()) {
                if (!d.redelivered()) {
                    try {
                        publish(JobJson.read(new String(d.body(), StandardCharsets.UTF_8), JobMessage.class));
                        ack(d.tag());
                    } catch (RuntimeException e) {
                        log.warn("{}: a prefetched job goes back by redelivery: {}", queue, e.getMessage());
                    }
                }
            }
            ledger.untrackActive(queue);
            try {
                synchronized (channel) {
                    if (channel.isOpen()) {
                        channel.close();
                    }
                }
            } catch (IOException | TimeoutException | RuntimeException e) {
                log.debug("closing consumer channel of {}: {}", queue, e.getMessage());
            }
        }
    }

    private record Held(long tag, JobMessage envelope) {
    }
}
