package com.hushryd.testing;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import java.util.Collection;
import java.util.UUID;
import org.junit.jupiter.api.Assumptions;

/**
 * A real RabbitMQ for tests: {@code HUSHRYD_TEST_RABBITMQ_URL}, else {@code amqp://guest:guest@127.0.0.1:5672}.
 * There is no embedded broker: when none answers, tests that need one are skipped (see {@link #assumeReachable()}).
 */
public final class TestRabbit {
    private static final String ENV = "HUSHRYD_TEST_RABBITMQ_URL";
    private static Boolean reachable;
    private static boolean skipAnnounced;

    private TestRabbit() {
    }

    public static String url() {
        String env = System.getenv(ENV);
        return env != null && !env.isBlank() ? env : "amqp://guest:guest@127.0.0.1:5672";
    }

    /** Whether a broker answers; the skip message of the tests that need one names the URL tried. */
    public static synchronized boolean reachable() {
        if (reachable == null) {
            try (Connection c = factory().newConnection("hushryd-test-probe")) {
                reachable = c.isOpen();
            } catch (Exception e) {
                reachable = false;
            }
        }
        return reachable;
    }

    /**
     * Skips the calling test when no broker answers. Call it per test ({@code @BeforeEach} or in the test), never in
     * {@code @BeforeAll}: a class aborted there is counted as "Tests run: 0" and its tests vanish from the totals,
     * while a skipped test is counted as skipped. The reason is printed once, so a console run shows why.
     */
    public static void assumeReachable() {
        boolean up = reachable();
        synchronized (TestRabbit.class) {
            if (!up && !skipAnnounced) {
                skipAnnounced = true;
                System.out.println("[SKIPPED] " + skipMessage());
            }
        }
        Assumptions.assumeTrue(up, TestRabbit::skipMessage);
    }

    private static String skipMessage() {
        return "RabbitMQ not reachable at " + url().replaceAll("//[^@/]*@", "//***@")
                + " (set HUSHRYD_TEST_RABBITMQ_URL): RabbitMQ tests skipped";
    }

    /** A queue-name prefix no other test uses. */
    public static String prefix() {
        return "hushryd-test." + UUID.randomUUID().toString().substring(0, 8) + ".";
    }

    /** Deletes the queues a test declared: each job queue and its delay queues. */
    public static void deleteQueues(String prefix, Collection<String> jobQueues, int delayLevels) {
        try (Connection c = factory().newConnection("hushryd-test-cleanup"); Channel ch = c.createChannel()) {
            for (String q : jobQueues) {
                ch.queueDelete(prefix + q);
                for (int level = 0; level < delayLevels; level++) {
                    ch.queueDelete(prefix + q + ".delay." + (1L << level) + "s");
                }
            }
        } catch (Exception e) {
            throw new IllegalStateException("cannot delete test queues: " + e.getMessage(), e);
        }
    }

    private static ConnectionFactory factory() throws Exception {
        ConnectionFactory f = new ConnectionFactory();
        f.setUri(url());
        f.setConnectionTimeout(2000);
        f.setAutomaticRecoveryEnabled(false);
        return f;
    }
}
