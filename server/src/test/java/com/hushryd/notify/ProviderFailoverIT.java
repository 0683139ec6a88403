package com.hushryd.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.hushryd.jobs.JobHandlers;
import com.hushryd.jobs.JobMetrics;
import com.hushryd.jobs.JobProducer;
import com.hushryd.jobs.Priority;
import com.hushryd.jobs.QueueSettings;
import com.hushryd.jobs.Worker;
import com.hushryd.jobs.postgres.PgLedger;
import com.hushryd.jobs.postgres.PgNotifier;
import com.hushryd.jobs.postgres.PostgresJobQueue;
import com.hushryd.store.Database;
import com.hushryd.testing.FakeVendor;
import com.hushryd.testing.TestDatabases;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Primary and fallback providers behind circuit breakers, against local servers that behave like vendors. */
class ProviderFailoverIT {
    /** Small numbers so the breaker's life fits in a test: judge 4 calls, open at 50 %, stay open 500 ms. */
    static final BreakerSettings BREAKER = new BreakerSettings(4, 50f, Duration.ofSeconds(3), Duration.ofMillis(500),
            1);
    final FakeVendor twilio = new FakeVendor();
    final FakeVendor msg91 = new FakeVendor();

    @AfterEach
    void stop() {
        twilio.close();
        msg91.close();
    }

    private FailoverSender sms() {
        return new FailoverSender(Channel.SMS, List.of(
                new HttpProvider(new ProviderEndpoint("sms-primary", twilio.url(), "twilio-key"),
                        BREAKER.callTimeout()),
                new HttpProvider(new ProviderEndpoint("sms-fallback", msg91.url(), "msg91-key"),
                        BREAKER.callTimeout())), BREAKER);
    }

    private static Notification sms(String text) {
        return new Notification(Channel.SMS, "+919800000001", null, null, text, "test", Map.of());
    }

    @Test
    void healthyPrimary_deliversWithItsKey() throws Exception {
        assertThat(sms().send(sms("hello"))).isEqualTo("sms-primary");
        assertThat(twilio.accepted()).singleElement().asString().contains("\"to\":\"+919800000001\"")
                .contains("\"body\":\"hello\"");
        assertThat(twilio.authorizations()).containsExactly("Bearer twilio-key");
        assertThat(msg91.calls()).isZero();
    }

    @Test
    void primaryAnswering500_fallbackDelivers() throws Exception {
        twilio.mode(FakeVendor.Mode.FAIL);
        assertThat(sms().send(sms("sos"))).isEqualTo("sms-fallback");
        assertThat(twilio.calls()).isEqualTo(1);
        assertThat(msg91.accepted()).hasSize(1);
        assertThat(msg91.authorizations()).containsExactly("Bearer msg91-key");
    }

    @Test
    void primaryTimingOut_fallbackDelivers() throws Exception {
        twilio.mode(FakeVendor.Mode.HANG);
        assertThat(sms().send(sms("sos"))).isEqualTo("sms-fallback");
        assertThat(msg91.accepted()).hasSize(1);
    }

    @Test
    void everyProviderFailing_failsTheSend() {
        twilio.mode(FakeVendor.Mode.FAIL);
        msg91.mode(FakeVendor.Mode.FAIL);
        assertThatThrownBy(() -> sms().send(sms("x"))).hasMessageContaining("sms-fallback answered 500");
    }

    @Test
    void failingPrimary_opensItsBreaker_isSkipped_thenHalfOpenTrialClosesItAgain() throws Exception {
        FailoverSender sender = sms();
        CircuitBreaker primary = sender.breakers().get(0);
        twilio.mode(FakeVendor.Mode.FAIL);
        for (int i = 0; i < 4; i++) {
            assertThat(sender.send(sms("m" + i))).isEqualTo("sms-fallback");
        }
        assertThat(primary.getState()).isEqualTo(CircuitBreaker.State.OPEN);
        int callsWhenOpened = twilio.calls();
        assertThat(sender.send(sms("while open"))).isEqualTo("sms-fallback");
        assertThat(twilio.calls()).as("an open breaker does not call the vendor").isEqualTo(callsWhenOpened);

        twilio.mode(FakeVendor.Mode.OK);
        await().atMost(Duration.ofSeconds(5)).until(() -> {
            String via = sender.send(sms("probe"));
            return "sms-primary".equals(via);
        });
        assertThat(primary.getState()).as("a successful half-open trial closes it").isEqualTo(
                CircuitBreaker.State.CLOSED);
        assertThat(sender.send(sms("after"))).isEqualTo("sms-primary");
    }

    @Test
    void notificationJob_retriesUntilAVendorRecovers() throws Exception {
        twilio.mode(FakeVendor.Mode.FAIL);
        msg91.mode(FakeVendor.Mode.FAIL);
        Database db = TestDatabases.migrated();
        PgNotifier notifier = new PgNotifier(db);
        PgLedger ledger = new PgLedger(db, "t");
        PostgresJobQueue queue = new PostgresJobQueue(db, notifier, ledger, "t", Duration.ofSeconds(5));
        notifier.start();
        NotifySettings settings = new NotifySettings(Map.of(Channel.SMS, List.of(
                new ProviderEndpoint("sms-primary", twilio.url(), "k1"),
                new ProviderEndpoint("sms-fallback", msg91.url(), "k2"))), BREAKER);
        DevOutbox outbox = new DevOutbox(db);
        Notifications notifications = new Notifications(new JobProducer(queue, 1000, JobMetrics.NONE), settings,
                outbox, outbox);
        JobHandlers handlers = new JobHandlers();
        notifications.register(handlers);
        Worker worker = new Worker(queue, handlers, List.of(new QueueSettings(Channel.SMS.queue(), 1, 0)),
                Duration.ofSeconds(5), JobMetrics.NONE, "w");
        try {
            notifications.send(sms("your driver is here"), Priority.HIGH);
            worker.start();
            await().atMost(Duration.ofSeconds(10)).until(() -> msg91.calls() >= 1);
            msg91.mode(FakeVendor.Mode.OK);
            await().atMost(Duration.ofSeconds(20)).until(() -> msg91.accepted().size() == 1);
            assertThat(msg91.accepted().get(0)).contains("your driver is here");
        } finally {
            worker.close(Duration.ofSeconds(1));
            notifier.close();
            ledger.close();
            db.close();
        }
    }
}
