package com.hushryd.app;

import com.hushryd.jobs.JobQueueException;
import com.hushryd.jobs.QueueType;
import java.net.BindException;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Explains a failed start in one line naming the cause and the setting to change, when the cause lies in the
 * configuration or the environment (a busy port, a server that cannot be reached, a DATA_DIR in use). Anything else
 * is a defect and is left to be logged with its stack trace (decision 0060).
 */
final class StartupFailure {
    private StartupFailure() {
    }

    static Optional<String> explain(Throwable failure, Config config) {
        List<Throwable> chain = new ArrayList<>();
        for (Throwable c = failure; c != null && !chain.contains(c); c = c.getCause()) {
            chain.add(c);
        }
        String root = rootMessage(chain);
        for (Throwable c : chain) {
            if (c instanceof ConfigException) {
                return Optional.of(c.getMessage());
            }
            if (c instanceof BindException bind) {
                return Optional.of(StartupChecks.notListenable(config.host(), config.port(), bind).getMessage());
            }
            if (c instanceof io.lettuce.core.RedisConnectionException && config.redis().isPresent()) {
                return Optional.of("cannot reach Redis at " + config.redis().get().redacted()
                        + " (REDIS_URL / --redis-url): " + root);
            }
            if (c instanceof SQLException sql && config.database().isPresent() && refusedConnection(sql)) {
                return Optional.of("cannot connect to PostgreSQL at " + config.database().get().redacted()
                        + " (DATABASE_URL / --database-url): " + root);
            }
            if (c instanceof JobQueueException && config.queueType() == QueueType.RABBITMQ
                    && String.valueOf(c.getMessage()).startsWith("cannot connect to RabbitMQ")) {
                return Optional.of(c.getMessage() + " (RABBITMQ_URL / --rabbitmq-url)");
            }
        }
        return Optional.empty();
    }

    /** Connection failures (08), bad credentials (28) and a database that does not exist (3D). */
    private static boolean refusedConnection(SQLException e) {
        String state = e.getSQLState();
        return state != null && (state.startsWith("08") || state.startsWith("28") || state.equals("3D000"));
    }

    private static String rootMessage(List<Throwable> chain) {
        Throwable root = chain.get(chain.size() - 1);
        return root.getMessage() != null ? root.getMessage() : root.getClass().getSimpleName();
    }
}
