package com.hushryd.jobs.postgres;

import com.hushryd.store.Database;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Listens on PostgreSQL NOTIFY channels on one dedicated connection (outside the pool) and hands each payload to the subscribers of its
 * channel. Notifications are hints (wake up and look), never the only way work is found: they are lost while the
 * connection is down, so every consumer also polls.
 */
public final class PgNotifier implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PgNotifier.class);

    private final Database db;
    private final Map<String, List<Consumer<String>>> subscribers = new ConcurrentHashMap<>();
    private final Thread thread;
    private volatile boolean running = true;

    public PgNotifier(Database db) {
        this.db = db;
        this.thread = new Thread(this::run, "pg-notify-listener");
        thread.setDaemon(true);
    }

    /** Subscribes before {@link #start()}. */
    public PgNotifier subscribe(String channel, Consumer<String> listener) {
        subscribers.computeIfAbsent(channel, c -> new CopyOnWriteArrayList<>()).add(listener);
        return this;
    }

    public PgNotifier start() {
        thread.start();
        return this;
    }

    private void run() {
        int failures = 0;
        while (running) {
            try (Connection c = listenConnection()) {
                c.setAutoCommit(true);
                try (Statement st = c.createStatement()) {
                    for (String channel : subscribers.keySet()) {
                        st.execute("LISTEN " + channel);
                    }
                }
                if (failures > 0) {
                    log.info("LISTEN connection restored after {} failed attempt(s)", failures);
                    failures = 0;
                }
                // anything notified while we were not listening is found by the consumers' polling; wake them now
                subscribers.forEach((channel, list) -> list.forEach(l -> l.accept("")));
                PGConnection pg = c.unwrap(PGConnection.class);
                while (running) {
                    PGNotification[] batch = pg.getNotifications(1000);
                    if (batch == null) {
                        continue;
                    }
                    for (PGNotification n : batch) {
                        for (Consumer<String> l : subscribers.getOrDefault(n.getName(), List.of())) {
                            l.accept(n.getParameter());
                        }
                    }
                }
            } catch (SQLException | RuntimeException e) {
                if (running) {
                    // one warning per outage, not one a second: the database's own health says the rest
                    if (failures++ == 0) {
                        log.warn("LISTEN connection failed ({}); reconnecting every 1 s", e.getMessage());
                    } else {
                        log.debug("LISTEN connection failed again ({})", e.getMessage());
                    }
                    try {
                        Thread.sleep(1000);
                    } catch (InterruptedException ie) {
                        return;
                    }
                }
            }
        }
    }

    /** A connection of its own, outside the pool: a LISTEN held forever must not take a pooled one. */
    private Connection listenConnection() throws SQLException {
        if (db.dataSource() instanceof HikariDataSource h) {
            Properties props = new Properties();
            props.putAll(h.getDataSourceProperties());
            if (h.getUsername() != null) {
                props.setProperty("user", h.getUsername());
            }
            if (h.getPassword() != null) {
                props.setProperty("password", h.getPassword());
            }
            props.setProperty("ApplicationName", "hushryd-listen");
            return DriverManager.getConnection(h.getJdbcUrl(), props);
        }
        return db.dataSource().getConnection();
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(3000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
