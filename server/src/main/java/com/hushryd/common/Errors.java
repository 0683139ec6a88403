package com.hushryd.common;

import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;

/** Maps failures to what a client is told, the same way for HTTP responses and Socket.IO acknowledgements. */
public final class Errors {
    private Errors() {
    }

    /** The client-facing error for a failure, or null when it is unexpected (a bug: answer 500 and log it). */
    public static ApiException classify(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof ApiException api) {
                return api;
            }
            if (t instanceof SQLTransientConnectionException) {
                return connectionLost(t.getCause())
                        ? ApiException.unavailable("DATABASE_UNAVAILABLE", "the database is unavailable", 5)
                        : ApiException.unavailable("DB_POOL_EXHAUSTED", "the database is busy; retry shortly", 1);
            }
            if (t instanceof SQLException sql && sql.getSQLState() != null) {
                if ("57014".equals(sql.getSQLState())) {
                    return ApiException.unavailable("QUERY_TIMEOUT", "the database did not answer in time", 1);
                }
                if (sql.getSQLState().startsWith("08") || sql.getSQLState().startsWith("57P")) {
                    return ApiException.unavailable("DATABASE_UNAVAILABLE", "the database is unavailable", 5);
                }
            }
            if (t instanceof CallNotPermittedException open) {
                // a dependency's circuit breaker is open (seed 000 SCALE_004): retry once it may have half-opened
                return ApiException.unavailable("DEPENDENCY_UNAVAILABLE", "a service this request needs is "
                        + "unavailable (" + open.getCausingCircuitBreakerName() + "); retry shortly", 5);
            }
            if (t instanceof io.lettuce.core.RedisCommandTimeoutException) {
                return ApiException.unavailable("REDIS_TIMEOUT", "Redis did not answer in time; retry shortly", 1);
            }
            if (t instanceof io.lettuce.core.RedisConnectionException
                    || t instanceof io.lettuce.core.RedisCommandInterruptedException
                    || (t instanceof io.lettuce.core.RedisException && !(t instanceof
                            io.lettuce.core.RedisCommandExecutionException))) {
                return ApiException.unavailable("REDIS_UNAVAILABLE", "Redis is unavailable; retry shortly", 5);
            }
            if (t instanceof RejectedExecutionException) {
                return ApiException.unavailable("OVERLOADED", "the server is overloaded; retry shortly", 1);
            }
        }
        return null;
    }

    /** Whether the pool could not connect at all (rather than every connection being busy). */
    private static boolean connectionLost(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql && sql.getSQLState() != null && sql.getSQLState().startsWith("08")) {
                return true;
            }
        }
        return false;
    }

    public static ApiException internal() {
        return new ApiException(500, "INTERNAL_ERROR", "internal error; quote the requestId when reporting it");
    }

    /** The {@code error} object of the contract's error shape. */
    public static Map<String, Object> body(ApiException e) {
        Map<String, Object> err = new LinkedHashMap<>();
        err.put("code", e.code());
        err.put("message", e.getMessage());
        err.put("details", e.details());
        return err;
    }
}
