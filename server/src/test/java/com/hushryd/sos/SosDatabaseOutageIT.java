package com.hushryd.sos;

import static com.hushryd.testing.ApiClient.map;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.hushryd.testing.FakeVendor;
import com.hushryd.testing.HttpResult;
import com.hushryd.testing.OwnPostgres;
import com.hushryd.testing.SocketIoAgent;
import com.hushryd.testing.SocketIoAgent.Client;
import com.hushryd.testing.TestNode;
import com.hushryd.testing.TestNode.Account;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SOS while PostgreSQL is down (decision 0044): the trigger still answers 201 (the alert is in the node's journal),
 * the admins' dashboards hear of it at once, and once PostgreSQL is back the alert is stored exactly once, listed,
 * acknowledgeable, escalated, and its emergency contact is texted exactly once; a node restarted with alerts in its
 * journal stores them exactly once too.
 */
class SosDatabaseOutageIT {
    private static final Logger log = LoggerFactory.getLogger(SosDatabaseOutageIT.class);
    static final String ADMIN_PHONE = "+919800012345";
    static final String ADMIN_PASSWORD = "admin-password-1";
    static final String ON_CALL = "+919876511111";
    /** One server for both tests (each starts it again if the other left it down): initdb once. */
    static OwnPostgres pg;

    @BeforeAll
    static void startPostgres() {
        pg = OwnPostgres.start();
    }

    @AfterAll
    static void stopPostgres() {
        pg.close();
    }

    @BeforeEach
    void postgresUp() {
        pg.ensureUp();
    }

    private static Map<String, String> env(OwnPostgres pg, FakeVendor sms) {
        Map<String, String> env = new HashMap<>();
        env.put("DATABASE_URL", pg.url());
        env.put("ADMIN_PHONE", ADMIN_PHONE);
        env.put("ADMIN_PASSWORD", ADMIN_PASSWORD);
        env.put("SMS_PRIMARY_URL", sms.url().toString());
        env.put("NOTIFY_TIMEOUT", "1s");
        env.put("SOS_ESCALATE_AFTER", "3s");
        env.put("SOS_ONCALL_PHONE", ON_CALL);
        env.put("DB_BREAKER_OPEN", "2s");
        return env;
    }

    private static String contact(TestNode node, Account p) {
        String phone = TestNode.uniquePhone();
        HttpResult r = node.api().put("/api/v1/me/emergency-contacts", p.token(), map("contacts", List.of(
                map("name", "Asha", "phone", phone, "relationship", "sister"))));
        assertThat(r.status()).as(r.text()).isEqualTo(200);
        return phone;
    }

    private static long rows(OwnPostgres pg, String alertId) throws Exception {
        String url = "jdbc:" + pg.url().replace("postgresql://postgres@", "postgresql://");
        try (Connection c = DriverManager.getConnection(url, "postgres", null);
                PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM sos_alerts WHERE id = ?")) {
            ps.setObject(1, UUID.fromString(alertId));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private static long textsTo(FakeVendor sms, String phone) {
        return sms.accepted().stream().filter(b -> b.contains("\"to\":\"" + phone + "\"")).count();
    }

    /** Texts to {@code phone} about one alert (the text names the alert). */
    private static long textsTo(FakeVendor sms, String phone, String alertId) {
        return sms.accepted().stream().filter(b -> b.contains("\"to\":\"" + phone + "\"") && b.contains(alertId))
                .count();
    }

    @Test
    void databaseDown_sos201_operatorsToldAtOnce_afterReturnStoredOnce_listed_contactTextedOnce_escalated_ackable()
            throws Exception {
        try (FakeVendor sms = new FakeVendor(); TestNode node = TestNode.start(env(pg, sms));
                SocketIoAgent agent = SocketIoAgent.start()) {
            String admin = node.api().post("/api/v1/auth/login", null, map("phone", ADMIN_PHONE, "password",
                    ADMIN_PASSWORD)).str("accessToken");
            Account p = node.register("passenger");
            String phone = contact(node, p);
            Client dashboard = agent.connect("dash-" + UUID.randomUUID(), node.api().base(), admin);
            Account q = node.register("driver");
            Client qPhone = agent.connect("sos-" + UUID.randomUUID(), node.api().base(), q.token());

            AtomicBoolean running = new AtomicBoolean(true);
            ExecutorService load = Executors.newFixedThreadPool(2);
            for (int i = 0; i < 2; i++) {
                load.execute(() -> {
                    while (running.get()) {
                        node.api().get("/api/v1/bookings", p.token());
                    }
                });
            }
            try {
                pg.down();
                long t = System.nanoTime();
                HttpResult raised = node.api().post("/api/v1/sos", p.token(), map("lat", 12.97, "lng", 77.59,
                        "message", "help"));
                long tookMs = (System.nanoTime() - t) / 1_000_000;
                assertThat(raised.status()).as(raised.text()).isEqualTo(201);
                String id = raised.str("alertId");
                JsonNode told = dashboard.awaitEvent("sos:alert", args -> args.get(0).path("alert").path("id")
                        .asText().equals(id), Duration.ofSeconds(5));
                assertThat(told.get(0).path("type").asText()).isEqualTo("triggered");
                HttpResult again = node.api().post("/api/v1/sos", p.token(), map("lat", 12.98, "lng", 77.6));
                assertThat(again.status()).as("still the open alert: " + again.text()).isEqualTo(200);
                assertThat(again.str("alertId")).isEqualTo(id);
                // bad input is still refused as such, not journaled
                HttpResult bad = node.api().post("/api/v1/sos", p.token(), map("lat", 200, "lng", 0));
                assertThat(bad.status()).as(bad.text()).isEqualTo(400);
                assertThat(bad.errorField()).isEqualTo("lat");
                // the socket trigger takes the same path
                JsonNode socketAck = qPhone.emitWithAck("sos:trigger", map("lat", 12.9, "lng", 77.5)).get(0);
                assertThat(socketAck.path("ok").asBoolean()).as(socketAck.toString()).isTrue();
                String bySocket = socketAck.path("data").path("alertId").asText();
                assertThat(node.node().sos().journaled()).isEqualTo(2);

                long upAt = System.nanoTime();
                pg.up();
                await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(200))
                        .until(() -> rows(pg, id) == 1);
                long storedMs = (System.nanoTime() - upAt) / 1_000_000;
                await().atMost(Duration.ofSeconds(10)).until(() -> textsTo(sms, phone) >= 1);
                await().atMost(Duration.ofSeconds(10)).until(() -> rows(pg, bySocket) == 1);
                long textedMs = (System.nanoTime() - upAt) / 1_000_000;
                log.warn("SOS during a PostgreSQL outage: 201 in {} ms; stored {} ms and the contact texted {} ms "
                        + "after PostgreSQL was back", tookMs, storedMs, textedMs);
                await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(node.api()
                        .get("/api/v1/admin/sos?status=all&limit=200", admin).json().path("items"))
                        .anyMatch(a -> a.path("id").asText().equals(id)));
                await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(node.api()
                        .get("/api/v1/sos/" + id, admin).str("escalation")).isEqualTo("escalated"));
                await().atMost(Duration.ofSeconds(10)).until(() -> textsTo(sms, ON_CALL, id) >= 1);
                HttpResult ack = node.api().post("/api/v1/sos/" + id + "/acknowledge", admin, "");
                assertThat(ack.status()).as(ack.text()).isEqualTo(200);
                assertThat(ack.str("status")).isEqualTo("acknowledged");
                // nothing more arrives: exactly one row, one text to the contact, one to the on-call phone
                await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() ->
                        rows(pg, id) == 1 && rows(pg, bySocket) == 1 && textsTo(sms, phone) == 1
                                && textsTo(sms, ON_CALL, id) == 1);
                assertThat(node.node().sos().journaled()).isZero();
                assertThat(tookMs).as("the trigger does not wait out the pool").isLessThan(3000);
            } finally {
                running.set(false);
                load.shutdown();
                load.awaitTermination(20, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void restartWithAlertsInTheJournal_storesThemExactlyOnce() throws Exception {
        try (FakeVendor sms = new FakeVendor()) {
            Map<String, String> env = env(pg, sms);
            env.put("SOS_ESCALATE_AFTER", "10m");
            String id;
            String phone;
            try (TestNode first = TestNode.start(env)) {
                env.putAll(first.settings());
                Account p = first.register("passenger");
                phone = contact(first, p);
                pg.down();
                HttpResult raised = first.api().post("/api/v1/sos", p.token(), map("message", "help"));
                assertThat(raised.status()).as(raised.text()).isEqualTo(201);
                id = raised.str("alertId");
            }
            assertThat(sms.calls()).isZero();
            pg.up();
            try (TestNode second = TestNode.restart(env)) {
                await().atMost(Duration.ofSeconds(15)).until(() -> rows(pg, id) == 1);
                await().atMost(Duration.ofSeconds(10)).until(() -> textsTo(sms, phone) == 1);
                await().atMost(Duration.ofSeconds(5)).until(() -> second.node().sos().journaled() == 0);
            }
            try (TestNode third = TestNode.restart(env)) {
                assertThat(third.node().sos().journaled()).as("the journal was emptied once stored").isZero();
                await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() ->
                        rows(pg, id) == 1 && textsTo(sms, phone) == 1);
            }
        }
    }
}
