package com.hushryd.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hushryd.jobs.Enqueued;
import com.hushryd.jobs.JobHandlers;
import com.hushryd.jobs.JobMetrics;
import com.hushryd.jobs.JobQueueException;
import com.hushryd.jobs.JobRequest;
import com.hushryd.jobs.QueueSettings;
import com.hushryd.jobs.Worker;
import com.hushryd.jobs.redis.RedisJobQueue;
import com.hushryd.realtime.Broker;
import com.hushryd.realtime.engineio.Frame;
import com.hushryd.realtime.redis.RedisBroker;
import com.hushryd.testing.TestRedisCluster;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A Redis Cluster master fails over under load, first by {@code CLUSTER FAILOVER} on its replica, then by
 * {@code kill -9}: the nodes keep running (no restart), room fan-out resumes on every shard, and every job the queue
 * acknowledged runs.
 */
class RedisClusterFailoverIT {
    private static final Duration RESUMES_WITHIN = Duration.ofSeconds(60);
    static TestRedisCluster.Dedicated cluster;

    @BeforeAll
    static void start() {
        cluster = TestRedisCluster.dedicated();
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    /** Receives what the other node publishes: room → payloads. */
    private static final class Heard implements Broker.Receiver {
        final Map<String, Set<String>> byRoom = new ConcurrentHashMap<>();

        @Override
        public void onBroadcast(String room, List<Frame> frames, String exceptSocketId) {
            byRoom.computeIfAbsent(room, r -> ConcurrentHashMap.newKeySet()).add(new String(frames.get(0).bytes(), java.nio.charset.StandardCharsets.UTF_8));
        }

        @Override
        public void onControl(Broker.Control control) {
        }
    }

    /** Until every room delivered a message tagged {@code tag} (published again each round for the others). */
    private static void everyRoomDelivers(RedisBroker publisher, Heard heard, List<String> rooms, String tag) {
        await().atMost(RESUMES_WITHIN).pollInterval(Duration.ofMillis(100)).until(() -> {
            boolean all = true;
            for (String room : rooms) {
                String payload = "42[\"" + tag + "\"]";
                if (!heard.byRoom.getOrDefault(room, Set.of()).contains(payload)) {
                    publisher.publish(room, List.of(Frame.text(payload)), null);
                    all = false;
                }
            }
            return all;
        });
    }

    private static void awaitMasters(int n) {
        await().atMost(RESUMES_WITHIN).pollInterval(Duration.ofMillis(200))
                .until(() -> cluster.masters().size() == n
                        && cluster.cli(cluster.masters().get(0), "CLUSTER", "INFO").contains("cluster_state:ok"));
    }

    @Test
    void fanOutAndJobs_survive_aManualFailover_andAKilledMaster_withoutANodeRestart() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 6);
        Heard heard = new Heard();
        List<String> rooms = IntStream.range(0, 24).mapToObj(i -> "trip:" + run + ":" + i).toList();
        String prefix = "fo" + run + ":";
        List<String> queues = IntStream.range(0, 6).mapToObj(i -> "q" + run + i).toList();
        Map<UUID, AtomicInteger> runs = new ConcurrentHashMap<>();
        List<UUID> acknowledged = java.util.Collections.synchronizedList(new ArrayList<>());
        AtomicBoolean adding = new AtomicBoolean(true);
        try (RedisBroker a = new RedisBroker(cluster.redisUrl(), "a-" + run);
                RedisBroker b = new RedisBroker(cluster.redisUrl(), "b-" + run);
                RedisJobQueue queue = new RedisJobQueue(cluster.redisUrl(), prefix, "w-" + run,
                        Duration.ofSeconds(2))) {
            a.start(new Heard());
            b.start(heard);
            rooms.forEach(b::subscribe);
            b.subscribed(rooms).toCompletableFuture().get(30, TimeUnit.SECONDS);
            assertThat(b.sharded()).isTrue();
            Worker worker = new Worker(queue, new JobHandlers().register("t", ctx -> runs
                    .computeIfAbsent(ctx.jobId(), k -> new AtomicInteger()).incrementAndGet()),
                    queues.stream().map(q -> new QueueSettings(q, 4, 0)).toList(), Duration.ofSeconds(2),
                    JobMetrics.NONE, "w-" + run).start();
            Thread producer = new Thread(() -> {
                int i = 0;
                while (adding.get()) {
                    try {
                        Enqueued e = queue.add(JobRequest.of(queues.get(i++ % queues.size()), "t", "{}"));
                        acknowledged.add(e.jobId()); // only what add returned counts as acknowledged
                    } catch (JobQueueException | io.lettuce.core.RedisException e) {
                        // refused during the failover: not acknowledged, the caller would retry
                    }
                    try {
                        Thread.sleep(5);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            producer.start();
            try {
                everyRoomDelivers(a, heard, rooms, "before");

                int replica = cluster.replicas().get(0);
                cluster.cli(replica, "CLUSTER", "FAILOVER");
                await().atMost(RESUMES_WITHIN).until(() -> cluster.cli(replica, "ROLE").startsWith("master"));
                everyRoomDelivers(a, heard, rooms, "after-failover");

                int master = cluster.masters().get(1);
                cluster.kill(master);
                awaitMasters(3);
                everyRoomDelivers(a, heard, rooms, "after-kill");
                // on a quiet machine the faults pass in a few seconds: keep adding until enough were acknowledged
                // around them for the check below to mean something (the adds refused during a fault do not count)
                await().atMost(RESUMES_WITHIN).until(() -> acknowledged.size() > 50);
            } finally {
                adding.set(false);
                producer.join(30_000);
            }
            assertThat(acknowledged).hasSizeGreaterThan(50);
            await().atMost(RESUMES_WITHIN).until(() -> acknowledged.stream().allMatch(runs::containsKey));
            worker.close(Duration.ofSeconds(2));
        }
    }
}
