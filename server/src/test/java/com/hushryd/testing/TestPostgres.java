package com.hushryd.testing;

import com.hushryd.store.DatabaseUrl;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A real PostgreSQL for tests: the server named by {@code HUSHRYD_TEST_DATABASE_URL} (e.g.
 * {@code postgresql://postgres@127.0.0.1:5432/postgres}), else one embedded server started once per JVM. Each caller
 * of {@link #newDatabase()} gets a database of its own, dropped when the JVM exits.
 */
public final class TestPostgres {
    private static final String ENV = "HUSHRYD_TEST_DATABASE_URL";
    private static TestPostgres instance;

    private final DatabaseUrl admin;
    private final List<String> created = new CopyOnWriteArrayList<>();

    private TestPostgres(DatabaseUrl admin) {
        this.admin = admin;
        Runtime.getRuntime().addShutdownHook(new Thread(this::dropAll, "test-postgres-cleanup"));
    }

    public static synchronized TestPostgres get() {
        if (instance == null) {
            String url = System.getenv(ENV);
            if (url != null && !url.isBlank()) {
                instance = new TestPostgres(DatabaseUrl.parse(url));
            } else {
                instance = new TestPostgres(startEmbedded());
            }
        }
        return instance;
    }

    private static DatabaseUrl startEmbedded() {
        try {
            EmbeddedPostgres pg = EmbeddedPostgres.builder()
                    .setDataDirectory(Files.createTempDirectory("hushryd-test-pg"))
                    .setCleanDataDirectory(true)
                    .setServerConfig("max_connections", "300")
                    .start();
            return new DatabaseUrl(pg.getJdbcUrl("postgres", "postgres"), null, null);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the embedded test PostgreSQL", e);
        }
    }

    /** A new, empty database; the returned URL is a JDBC URL with credentials, usable as DATABASE_URL. */
    public String newDatabase() {
        String name = "hushryd_t_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
        try (Connection c = connect(); Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create test database: " + e.getMessage(), e);
        }
        created.add(name);
        String base = admin.jdbcUrl();
        int q = base.indexOf('?');
        String query = q < 0 ? "" : base.substring(q);
        String prefix = (q < 0 ? base : base.substring(0, q));
        String url = prefix.substring(0, prefix.lastIndexOf('/') + 1) + name + query;
        String sep = url.contains("?") ? "&" : "?";
        if (admin.user() != null) {
            url += sep + "user=" + admin.user();
            sep = "&";
        }
        if (admin.password() != null) {
            url += sep + "password=" + admin.password();
        }
        return url;
    }

    private Connection connect() throws SQLException {
        return admin.user() == null ? DriverManager.getConnection(admin.jdbcUrl())
                : DriverManager.getConnection(admin.jdbcUrl(), admin.user(), admin.password());
    }

    private void dropAll() {
        try (Connection c = connect(); Statement st = c.createStatement()) {
            for (String name : created) {
                st.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
            }
        } catch (SQLException e) {
            // the embedded server may already be gone at JVM exit; nothing to clean then
        }
    }
}
