package com.hushryd.sos;

import static com.hushryd.testing.ApiClient.map;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.hushryd.testing.ErrorShape;
import com.hushryd.testing.FakeVendor;
import com.hushryd.testing.HttpResult;
import com.hushryd.testing.Sql;
import com.hushryd.testing.TcpProxy;
import com.hushryd.testing.TestNode;
import com.hushryd.testing.TestNode.Account;
import com.hushryd.testing.TestPostgres;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The SOS acknowledgement ladder (on-call, two more tiers, one repeat, 3 s apart, SMS through a fake vendor) and the
 * hash-chained timeline: verified by the test from the served fields alone, and broken by an UPDATE in SQL.
 */
class SosLadderIT {
    static final String ADMIN_PHONE = "+919999999991";
    static final String ADMIN_PASSWORD = "admin-password-2";
    static final String ON_CALL = "+919876500011";
    static final String TIER_2 = "+919876500022";
    static final String TIER_3 = "+919876500033";
    static final FakeVendor sms = new FakeVendor();
    static TestNode node;
    static String admin;
    static String database;

    @BeforeAll
    static void start() {
        Map<String, String> env = new HashMap<>();
        env.put("ADMIN_PHONE", ADMIN_PHONE);
        env.put("ADMIN_PASSWORD", ADMIN_PASSWORD);
        env.put("SMS_PRIMARY_URL", sms.url().toString());
        env.put("SOS_ACK_DEADLINE", "3s");
        env.put("SOS_ONCALL_PHONE", ON_CALL);
        env.put("SOS_ESCALATION_TIERS", "sms:" + TIER_2 + ";sms:" + TIER_3);
        env.put("SOS_ESCALATION_REPEATS", "1");
        env.put("SAFETY_MONITOR", "false");
        node = TestNode.start(env);
        database = node.settings().get("DATABASE_URL");
        admin = node.api().post("/api/v1/auth/login", null, map("phone", ADMIN_PHONE, "password", ADMIN_PASSWORD))
                .str("accessToken");
    }

    @AfterAll
    static void stop() {
        node.close();
        sms.close();
    }

    static long textsTo(String phone, String alertId) {
        return sms.accepted().stream().filter(b -> b.contains("\"to\":\"" + phone + "\"") && b.contains(alertId))
                .count();
    }

    static String raise(Account p) {
        HttpResult r = node.api().post("/api/v1/sos", p.token(), map("lat", 12.9, "lng", 77.6, "message", "help"));
        assertThat(r.status()).as(r.text()).isEqualTo(201);
        return r.str("alertId");
    }

    @Test
    void unacknowledged_climbsEveryTierThenRepeatsTheLast_andAnAckStopsTheClimb() {
        Account left = node.register("passenger");
        Account taken = node.register("passenger");
        String leftId = raise(left);
        String takenId = raise(taken);
        await().atMost(Duration.ofSeconds(30)).until(() -> textsTo(ON_CALL, takenId) == 1);
        HttpResult ack = node.api().post("/api/v1/admin/sos/" + takenId + "/ack", admin, "");
        assertThat(ack.status()).as(ack.text()).isEqualTo(200);
        assertThat(ack.str("status")).isEqualTo("acknowledged");

        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            assertThat(textsTo(ON_CALL, leftId)).isEqualTo(1);
            assertThat(textsTo(TIER_2, leftId)).isEqualTo(1);
            assertThat(textsTo(TIER_3, leftId)).as("the last tier, and its repeat").isEqualTo(2);
        });
        HttpResult a = node.api().get("/api/v1/sos/" + leftId, admin);
        assertThat(a.json().path("escalationStep").asInt()).isEqualTo(4);
        // the ladder is over (4 steps) and the acknowledged alert never climbed past the on-call contact
        await().during(Duration.ofSeconds(4)).atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(textsTo(TIER_3, leftId)).isEqualTo(2);
            assertThat(textsTo(TIER_2, takenId)).isZero();
        });
        assertThat(node.api().get("/api/v1/sos/" + takenId, admin).json().path("escalationStep").asInt())
                .isEqualTo(1);
    }

    @Test
    void timeline_chainsEveryEvent_verifiableByItsHolder_andAnSqlUpdateIsDetected() throws Exception {
        Account p = node.register("passenger");
        String id = raise(p);
        await().atMost(Duration.ofSeconds(30)).until(() -> textsTo(ON_CALL, id) == 1);
        assertThat(node.api().post("/api/v1/admin/sos/" + id + "/ack", admin, "").status()).isEqualTo(200);
        HttpResult note = node.api().post("/api/v1/admin/sos/" + id + "/notes", admin, map("text",
                "Called the rider: safe, phone battery low"));
        assertThat(note.status()).as(note.text()).isEqualTo(201);
        assertThat(node.api().post("/api/v1/sos/" + id + "/resolve", p.token(), map("resolution", "safe"))
                .status()).isEqualTo(200);

        HttpResult t = node.api().get("/api/v1/sos/" + id + "/timeline", p.token());
        assertThat(t.status()).as(t.text()).isEqualTo(200);
        JsonNode tl = t.json();
        assertThat(tl.path("verified").asBoolean()).isTrue();
        List<String> kinds = new ArrayList<>();
        tl.path("events").forEach(e -> kinds.add(e.path("kind").asText()));
        assertThat(kinds.get(0)).isEqualTo("raised");
        assertThat(kinds).contains("notified", "escalated", "acknowledged", "note", "resolved");
        assertThat(kinds.indexOf("acknowledged")).isLessThan(kinds.indexOf("note"));
        // the holder's own check, from the served fields and the recipe alone
        String prev = tl.path("genesis").asText();
        for (JsonNode e : tl.path("events")) {
            assertThat(e.path("prevHash").asText()).isEqualTo(prev);
            String text = prev + "\n" + id + "\n" + e.path("seq").asInt() + "\n" + e.path("at").asText() + "\n"
                    + e.path("kind").asText() + "\n" + e.path("actor").asText() + "\n" + e.path("detail").asText();
            String hash = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
            assertThat(e.path("hash").asText()).isEqualTo(hash);
            prev = hash;
        }
        assertThat(tl.path("head").asText()).isEqualTo(prev);

        // someone with database access rewrites the note
        Sql.rows(database, "UPDATE sos_timeline SET detail = '{\"text\":\"nothing happened\"}' WHERE alert_id = "
                + "?::uuid AND kind = 'note' RETURNING seq", id);
        int noteSeq = kinds.indexOf("note") + 1;
        JsonNode tampered = node.api().get("/api/v1/sos/" + id + "/timeline", admin).json();
        assertThat(tampered.path("verified").asBoolean()).isFalse();
        assertThat(tampered.path("brokenAt").asInt()).isEqualTo(noteSeq);
        // and one who deletes an event instead
        Sql.rows(database, "UPDATE sos_timeline SET detail = ? WHERE alert_id = ?::uuid AND kind = 'note' "
                + "RETURNING seq", tl.path("events").get(noteSeq - 1).path("detail").asText(), id);
        assertThat(node.api().get("/api/v1/sos/" + id + "/timeline", admin).json().path("verified").asBoolean())
                .as("restored").isTrue();
        Sql.rows(database, "DELETE FROM sos_timeline WHERE alert_id = ?::uuid AND seq = 2 RETURNING seq", id);
        JsonNode cut = node.api().get("/api/v1/sos/" + id + "/timeline", admin).json();
        assertThat(cut.path("verified").asBoolean()).isFalse();
        assertThat(cut.path("brokenAt").asInt()).isEqualTo(3);
    }

    @Test
    void badAcksAndNotes_areClear4xx_andChangeNothing() {
        Account p = node.register("passenger");
        String id = raise(p);
        ErrorShape.assertClearError(node.api().post("/api/v1/admin/sos/" + id + "/ack", p.token(), ""), 403,
                "FORBIDDEN", null);
        ErrorShape.assertClearError(node.api().post("/api/v1/admin/sos/" + UUID.randomUUID() + "/ack", admin, ""),
                404, "SOS_NOT_FOUND", null);
        ErrorShape.assertClearError(node.api().post("/api/v1/admin/sos/" + id + "/notes", admin, map("text", "")),
                400, "VALIDATION_FAILED", "text");
        ErrorShape.assertClearError(node.api().post("/api/v1/admin/sos/" + id + "/notes", p.token(), map("text",
                "x")), 403, "FORBIDDEN", null);
        ErrorShape.assertClearError(node.api().get("/api/v1/sos/" + id + "/timeline", node.register("passenger")
                .token()), 404, "SOS_NOT_FOUND", null);
        assertThat(node.api().get("/api/v1/sos/" + id, admin).str("status")).as("nothing changed")
                .isEqualTo("active");
        assertThat(node.api().post("/api/v1/admin/sos/" + id + "/ack", admin, "").status()).isEqualTo(200);
        ErrorShape.assertClearError(node.api().post("/api/v1/admin/sos/" + id + "/ack", admin, ""), 409,
                "SOS_ALREADY_ACKNOWLEDGED", null);
        assertThat(node.api().post("/api/v1/sos/" + id + "/resolve", p.token(), "").status()).isEqualTo(200);
        ErrorShape.assertClearError(node.api().post("/api/v1/admin/sos/" + id + "/ack", admin, ""), 409,
                "SOS_RESOLVED", null);
        assertThat(Sql.number(database, "SELECT count(*) FROM sos_timeline WHERE alert_id = ?::uuid AND kind = "
                + "'acknowledged'", id)).as("one acknowledgement on the record").isEqualTo(1);
    }

    @Test
    void databaseDown_ackNotesAndTimelineAre503() throws Exception {
        String db = TestPostgres.get().newDatabase();
        Map<String, String> env = new HashMap<>();
        env.put("ADMIN_PHONE", ADMIN_PHONE);
        env.put("ADMIN_PASSWORD", ADMIN_PASSWORD);
        env.put("SAFETY_MONITOR", "false");
        try (TcpProxy proxy = TcpProxy.forJdbcUrl(db)) {
            env.put("DATABASE_URL", proxy.rewrite(db));
            try (TestNode cut = TestNode.start(env)) {
                String token = cut.api().post("/api/v1/auth/login", null, map("phone", ADMIN_PHONE, "password",
                        ADMIN_PASSWORD)).str("accessToken");
                proxy.cut();
                String id = UUID.randomUUID().toString();
                for (HttpResult r : List.of(cut.api().post("/api/v1/admin/sos/" + id + "/ack", token, ""),
                        cut.api().post("/api/v1/admin/sos/" + id + "/notes", token, map("text", "x")),
                        cut.api().get("/api/v1/sos/" + id + "/timeline", token))) {
                    assertThat(r.status()).as(r.text()).isEqualTo(503);
                    assertThat(r.header("Retry-After")).isNotNull();
                    ErrorShape.assertClearError(r, 503, r.errorCode(), null);
                }
            }
        }
    }
}
