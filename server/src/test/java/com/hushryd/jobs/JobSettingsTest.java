package com.hushryd.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.hushryd.app.ConfigException;
import com.hushryd.app.ConfigLoader;
import com.hushryd.notify.Channel;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class JobSettingsTest {
    @Test
    void workerPlan_parsesAllNoneAndPerQueueLimits() {
        assertThat(WorkerPlan.parse("all", 8).builtIn()).isTrue();
        assertThat(WorkerPlan.parse("none", 8).queues()).isEmpty();
        WorkerPlan p = WorkerPlan.parse("notify-sms:4:100, jobs", 8);
        assertThat(p.queues()).containsExactly(new QueueSettings("notify-sms", 4, 100), new QueueSettings("jobs", 8, 0));
        assertThat(WorkerPlan.parse("all", 3).resolve(List.of("a", "b"), 3))
                .containsExactly(new QueueSettings("a", 3, 0), new QueueSettings("b", 3, 0));
    }

    @Test
    void workerPlan_badSpecs_areRefusedWithTheReason() {
        assertThatThrownBy(() -> WorkerPlan.parse("Bad Name", 8)).hasMessageContaining("lower-case");
        assertThatThrownBy(() -> WorkerPlan.parse("a:x", 8)).hasMessageContaining("whole numbers");
        assertThatThrownBy(() -> WorkerPlan.parse("a,a", 8)).hasMessageContaining("twice");
        assertThatThrownBy(() -> WorkerPlan.parse("a:0", 8)).hasMessageContaining("concurrency");
    }

    @Test
    void retryDelay_doublesFromTheBackoff_perAttempt() {
        Lease first = lease(1, Duration.ofSeconds(2));
        assertThat(first.retryDelay()).isEqualTo(Duration.ofSeconds(2));
        assertThat(lease(2, Duration.ofSeconds(2)).retryDelay()).isEqualTo(Duration.ofSeconds(4));
        assertThat(lease(3, Duration.ofSeconds(2)).retryDelay()).isEqualTo(Duration.ofSeconds(8));
        assertThat(lease(25, Duration.ofHours(1)).retryDelay()).isEqualTo(Duration.ofDays(1));
        assertThat(lease(3, Duration.ofSeconds(2)).canRetry()).isFalse();
        assertThat(first.canRetry()).isTrue();
    }

    private static Lease lease(int attempt, Duration backoff) {
        return new Lease(UUID.randomUUID(), "q", "t", "{}", Priority.NORMAL, attempt, 3, backoff,
                Duration.ofSeconds(1), 1, 1, "tok", null);
    }

    @Test
    void rateLimiter_startsWithOneSecondOfTokens_andGivesBackUnusedOnes() throws Exception {
        StartBucket perMinute120 = new StartBucket(120);
        assertThat(perMinute120.acquire(10)).as("capacity is one second's worth: 2").isEqualTo(2);
        perMinute120.giveBack(1);
        assertThat(perMinute120.acquire(10)).isEqualTo(1);
        StartBucket perMinute6 = new StartBucket(6);
        assertThat(perMinute6.acquire(5)).as("at least one token").isEqualTo(1);
    }

    @Test
    void jobRequest_refusesBadNamesAndLimits() {
        assertThatThrownBy(() -> JobRequest.of("Bad", "t", "{}")).hasMessageContaining("queue");
        assertThatThrownBy(() -> JobRequest.of("q", "t", "{}").withAttempts(0, Duration.ZERO))
                .hasMessageContaining("attempts");
        assertThatThrownBy(() -> JobRequest.of("q", "t", "{}").withDelay(Duration.ofSeconds(-1)))
                .hasMessageContaining("negative");
    }

    @Test
    void config_notificationProvidersAndWorkerSettings_areValidatedWithTheVariableNamed() {
        Map<String, String> base = Map.of("JWT_SECRET", "x".repeat(32));
        var ok = ConfigLoader.load(merge(base, Map.of("SMS_PRIMARY_URL", "https://api.twilio.test/send",
                "SMS_PRIMARY_KEY", "k", "SMS_FALLBACK_URL", "http://msg91.test/send", "WORKER_QUEUES", "jobs:2")));
        assertThat(ok.notifications().of(Channel.SMS)).hasSize(2);
        assertThat(ok.notifications().of(Channel.EMAIL)).isEmpty();
        assertThat(ok.workerQueues().queues()).containsExactly(new QueueSettings("jobs", 2, 0));
        assertThatThrownBy(() -> ConfigLoader.load(merge(base, Map.of("SMS_PRIMARY_URL", "ftp://x"))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("SMS_PRIMARY_URL");
        assertThatThrownBy(() -> ConfigLoader.load(merge(base, Map.of("EMAIL_FALLBACK_URL", "http://m.test"))))
                .hasMessageContaining("EMAIL_FALLBACK_URL");
        assertThatThrownBy(() -> ConfigLoader.load(merge(base, Map.of("PUSH_PRIMARY_KEY", "k"))))
                .hasMessageContaining("PUSH_PRIMARY_KEY");
        assertThatThrownBy(() -> ConfigLoader.load(merge(base, Map.of("WORKER_QUEUES", "x:y"))))
                .hasMessageContaining("WORKER_QUEUES");
        assertThatThrownBy(() -> ConfigLoader.load(merge(base, Map.of("JOB_LEASE", "10ms"))))
                .hasMessageContaining("JOB_LEASE");
        assertThatThrownBy(() -> ConfigLoader.load(merge(base, Map.of("QUEUE_DEPTH_WARN", "0"))))
                .hasMessageContaining("QUEUE_DEPTH_WARN");
    }

    private static Map<String, String> merge(Map<String, String> a, Map<String, String> b) {
        Map<String, String> m = new java.util.HashMap<>(a);
        m.putAll(b);
        return m;
    }
}
