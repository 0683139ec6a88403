package com.hushryd.jobs;

import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** The handlers a worker knows, by job type. Register them all before the worker starts. */
public final class JobHandlers {
    private final Map<String, JobHandler> handlers = new ConcurrentHashMap<>();

    public JobHandlers register(String type, JobHandler handler) {
        if (!JobRequest.validName(type)) {
            throw new IllegalArgumentException("bad job type '" + type + "'");
        }
        if (handlers.putIfAbsent(type, handler) != null) {
            throw new IllegalStateException("a handler for job type '" + type + "' is already registered");
        }
        return this;
    }

    public Optional<JobHandler> get(String type) {
        return Optional.ofNullable(handlers.get(type));
    }

    public Set<String> types() {
        return Set.copyOf(handlers.keySet());
    }
}
