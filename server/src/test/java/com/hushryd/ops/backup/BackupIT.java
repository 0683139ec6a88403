package com.hushryd.ops.backup;

import static com.hushryd.testing.ApiClient.map;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.hushryd.app.Main;
import com.hushryd.testing.HttpResult;
import com.hushryd.testing.TestNode;
import com.hushryd.testing.TestNode.Account;
import com.hushryd.testing.TestPostgres;
import com.hushryd.testing.TestS3;
import com.hushryd.uploads.Samples;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code hushryd admin backup} and {@code restore} as an operator runs them: a node with data is backed up while it
 * runs, the backup is restored into a fresh DATA_DIR, and a node started there finds every user, trip, booking, SOS
 * and document, and accepts the tokens of the old node (its generated secret came back with the database).
 */
class BackupIT {

    record Cli(int code, String out, String err) {
    }

    static Cli cli(String... args) {
        CommandLine cmd = Main.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        int code = cmd.execute(args);
        return new Cli(code, out.toString(), err.toString());
    }

    record World(Account driver, Account passenger, String tripId, String bookingId, String sosId, String docKey,
            byte[] document) {
    }

    static World populate(TestNode node) throws Exception {
        Account driver = node.register("driver");
        Account passenger = node.register("passenger");
        String tripId = node.createTrip(driver, "Pune", "Mumbai", 2, 4, 350);
        HttpResult booking = node.api().post("/api/v1/trips/" + tripId + "/bookings", passenger.token(),
                map("seats", 2));
        assertThat(booking.status()).as(booking.text()).isEqualTo(201);
        HttpResult sos = node.api().post("/api/v1/sos", passenger.token(), map("lat", 18.52, "lng", 73.85,
                "message", "help"));
        assertThat(sos.status()).as(sos.text()).isEqualTo(201);
        byte[] png = Samples.image("png", 64, 48);
        HttpResult url = node.api().post("/api/v1/documents/upload-url", driver.token(),
                map("documentType", "licence", "contentType", "image/png", "size", png.length));
        assertThat(url.status()).as(url.text()).isEqualTo(200);
        HttpRequest.Builder put = HttpRequest.newBuilder(URI.create(url.str("uploadUrl")));
        for (Iterator<Map.Entry<String, JsonNode>> it = url.json().path("headers").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> h = it.next();
            put.header(h.getKey(), h.getValue().asText());
        }
        HttpResponse<String> sent = HttpClient.newHttpClient().send(put.PUT(HttpRequest.BodyPublishers
                .ofByteArray(png)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(sent.statusCode()).as(sent.body()).isBetween(200, 299);
        String key = url.str("key");
        HttpResult done = node.api().post("/api/v1/documents/" + java.net.URLEncoder.encode(key,
                java.nio.charset.StandardCharsets.UTF_8) + "/complete", driver.token(), map());
        assertThat(done.status()).as(done.text()).isEqualTo(202);
        return new World(driver, passenger, tripId, booking.str("id"), sos.str("alertId"), key, png);
    }

    static void assertEverythingThere(TestNode node, World w) {
        assertThat(node.api().get("/api/v1/me", w.driver().token()).status())
                .as("a token of the old node is valid: the generated secret was restored").isEqualTo(200);
        HttpResult login = node.api().post("/api/v1/auth/login", null,
                map("phone", w.passenger().phone(), "password", "password-123"));
        assertThat(login.status()).as(login.text()).isEqualTo(200);
        HttpResult trip = node.api().get("/api/v1/trips/" + w.tripId(), w.passenger().token());
        assertThat(trip.status()).as(trip.text()).isEqualTo(200);
        assertThat(trip.json().path("seatsAvailable").asInt()).isEqualTo(2);
        HttpResult bookings = node.api().get("/api/v1/bookings", w.passenger().token());
        assertThat(bookings.json().path("items").get(0).path("id").asText()).isEqualTo(w.bookingId());
        HttpResult sos = node.api().get("/api/v1/sos/" + w.sosId(), w.passenger().token());
        assertThat(sos.status()).as(sos.text()).isEqualTo(200);
        HttpResult docs = node.api().get("/api/v1/documents", w.driver().token());
        List<String> keys = new ArrayList<>();
        docs.json().path("items").forEach(d -> keys.add(d.path("key").asText()));
        assertThat(keys).contains(w.docKey());
    }

    @Test
    void embeddedNodeWithData_backedUpWhileRunning_restoresIntoAFreshDataDir() throws Exception {
        Path source = TestNode.tempDir();
        Map<String, String> env = new HashMap<>();
        env.put("DATA_DIR", source.toString());
        env.put("DATABASE_URL", "");
        env.put("JWT_SECRET", "");
        Path backup = TestNode.tempDir().resolve("backup");
        World w;
        try (TestNode node = TestNode.start(env)) {
            w = populate(node);
            Cli b = cli("admin", "backup", "--to", backup.toString(), "--data-dir", source.toString());
            assertThat(b.code()).as(b.out() + b.err()).isZero();
            assertThat(b.out()).contains("users").contains("backup complete");
        }
        Manifest m = Backup.verify(backup);
        assertThat(m.rows("users")).isEqualTo(2);
        assertThat(m.rows("trips")).isEqualTo(1);
        assertThat(m.rows("bookings")).isEqualTo(1);
        assertThat(m.rows("sos_alerts")).isEqualTo(1);
        assertThat(m.rows("documents")).isEqualTo(1);
        assertThat(m.rows("cluster_secrets")).isGreaterThanOrEqualTo(1);
        assertThat(m.files()).anySatisfy(f -> assertThat(f.path()).startsWith("objects/"));

        Path fresh = TestNode.tempDir();
        Cli r = cli("admin", "restore", "--from", backup.toString(), "--data-dir", fresh.toString());
        assertThat(r.code()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("checksums verified").contains("restore complete");
        try (Stream<Path> objects = Files.walk(fresh.resolve("objects"))) {
            assertThat(objects.filter(Files::isRegularFile).anyMatch(p -> {
                try {
                    return java.util.Arrays.equals(Files.readAllBytes(p), w.document());
                } catch (java.io.IOException e) {
                    return false;
                }
            })).as("the uploaded document's bytes are in the restored object store").isTrue();
        }
        Map<String, String> restored = new HashMap<>(env);
        restored.put("DATA_DIR", fresh.toString());
        try (TestNode node = TestNode.start(restored)) {
            assertEverythingThere(node, w);
        }

        Cli again = cli("admin", "restore", "--from", backup.toString(), "--data-dir", fresh.toString());
        assertThat(again.code()).isEqualTo(1);
        assertThat(again.err()).contains("already holds data").contains("--force");
        Cli forced = cli("admin", "restore", "--from", backup.toString(), "--data-dir", fresh.toString(), "--force");
        assertThat(forced.code()).as(forced.out() + forced.err()).isZero();
    }

    @Test
    void damagedBackup_isRefusedBeforeAnythingChanges() throws Exception {
        Path backup = TestNode.tempDir().resolve("backup");
        try (TestNode node = TestNode.start()) {
            populate(node);
            Cli b = cli("admin", "backup", "--to", backup.toString(), "--database-url",
                    node.settings().get("DATABASE_URL"), "--data-dir", node.settings().get("DATA_DIR"));
            assertThat(b.code()).as(b.out() + b.err()).isZero();
        }
        Path users = backup.resolve("db/users.copy.gz");
        byte[] bytes = Files.readAllBytes(users);
        bytes[bytes.length / 2] ^= 0x55;
        Files.write(users, bytes);
        String target = TestPostgres.get().newDatabase();
        Cli r = cli("admin", "restore", "--from", backup.toString(), "--database-url", target, "--data-dir",
                TestNode.tempDir().toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("users.copy.gz").contains("checksum");
        Cli notEmpty = cli("admin", "backup", "--to", backup.toString(), "--database-url", target);
        assertThat(notEmpty.code()).isEqualTo(1);
        assertThat(notEmpty.err()).contains("not empty");
        Cli noBackup = cli("admin", "restore", "--from", TestNode.tempDir().toString(), "--database-url", target);
        assertThat(noBackup.code()).isEqualTo(1);
        assertThat(noBackup.err()).contains("manifest.json");
    }

    @Test
    void externalDatabase_toS3AndBack_intoAnotherDatabase() throws Exception {
        String bucket = TestS3.newBucket();
        String location = "s3://" + bucket + "/nightly/1";
        Map<String, String> s3 = TestS3.nodeSettings(bucket);
        List<String> s3Flags = List.of("--s3-endpoint", s3.get("S3_ENDPOINT"), "--s3-region", s3.get("S3_REGION"),
                "--s3-access-key-id", s3.get("S3_ACCESS_KEY_ID"), "--s3-secret-access-key",
                s3.get("S3_SECRET_ACCESS_KEY"), "--s3-path-style", "true");
        World w;
        try (TestNode node = TestNode.start()) {
            w = populate(node);
            List<String> args = new ArrayList<>(List.of("admin", "backup", "--to", location, "--database-url",
                    node.settings().get("DATABASE_URL"), "--data-dir", node.settings().get("DATA_DIR")));
            args.addAll(s3Flags);
            Cli b = cli(args.toArray(String[]::new));
            assertThat(b.code()).as(b.out() + b.err()).isZero();
            assertThat(b.out()).contains("uploaded");
        }
        String target = TestPostgres.get().newDatabase();
        Path dataDir = TestNode.tempDir();
        List<String> args = new ArrayList<>(List.of("admin", "restore", "--from", location, "--database-url", target,
                "--data-dir", dataDir.toString()));
        args.addAll(s3Flags);
        Cli r = cli(args.toArray(String[]::new));
        assertThat(r.code()).as(r.out() + r.err()).isZero();
        try (TestNode node = TestNode.start(Map.of("DATABASE_URL", target, "DATA_DIR", dataDir.toString()))) {
            assertEverythingThere(node, w);
        }
    }

    @Test
    void databaseOrS3Unreachable_failsWithAClearLine() throws Exception {
        int closed;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        Cli db = cli("admin", "backup", "--to", TestNode.tempDir().resolve("b").toString(), "--database-url",
                "postgresql://postgres@127.0.0.1:" + closed + "/hushryd");
        assertThat(db.code()).isEqualTo(1);
        assertThat(db.err()).startsWith("hushryd: ").contains("127.0.0.1:" + closed).doesNotContain("\tat ");
        try (TestNode node = TestNode.start()) {
            Cli s3 = cli("admin", "backup", "--to", "s3://nowhere/x", "--database-url",
                    node.settings().get("DATABASE_URL"), "--data-dir", node.settings().get("DATA_DIR"),
                    "--s3-endpoint", "http://127.0.0.1:" + closed, "--s3-access-key-id", "a",
                    "--s3-secret-access-key", "b", "--s3-path-style", "true");
            assertThat(s3.code()).isEqualTo(1);
            assertThat(s3.err()).startsWith("hushryd: backup failed: cannot upload the backup to s3://nowhere/x");
        }
    }
}
