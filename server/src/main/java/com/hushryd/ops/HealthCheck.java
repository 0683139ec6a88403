package com.hushryd.ops;

import java.util.Map;

/**
 * One dependency's health, reported in {@code /health}. {@link #check()} may block (it runs on a worker thread) and
 * must answer within a couple of seconds.
 */
public interface HealthCheck {
    String name();

    /** Whether the node cannot serve when this is down (it then also fails {@code /health/ready}). */
    boolean critical();

    Result check();

    enum Status {
        UP, DEGRADED, DOWN
    }

    record Result(Status status, Map<String, Object> details) {
        public static Result up(Map<String, Object> details) {
            return new Result(Status.UP, details);
        }

        public static Result down(String reason) {
            return new Result(Status.DOWN, Map.of("error", reason));
        }
    }
}
