package com.hushryd.jobs;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Which queues a process works on: the built-in ones (every queue this version defines handlers for), none, or an
 * explicit list, each with its concurrency and optional rate limit.
 *
 * @param builtIn true for {@code all}: the composition root fills in the built-in queues
 */
public record WorkerPlan(boolean builtIn, List<QueueSettings> queues) {
    public WorkerPlan {
        queues = List.copyOf(queues);
    }

    public static final WorkerPlan NONE = new WorkerPlan(false, List.of());

    /**
     * Parses {@code all}, {@code none} or {@code name[:concurrency[:perMinute]],...}.
     *
     * @throws IllegalArgumentException naming the bad part
     */
    public static WorkerPlan parse(String spec, int defaultConcurrency) {
        String s = spec.trim();
        if (s.equalsIgnoreCase("all")) {
            return new WorkerPlan(true, List.of());
        }
        if (s.equalsIgnoreCase("none") || s.isEmpty()) {
            return NONE;
        }
        List<QueueSettings> out = new ArrayList<>();
        Set<String> seen = new LinkedHashSet<>();
        for (String part : s.split(",")) {
            String[] f = part.trim().split(":");
            if (f.length > 3 || !JobRequest.validName(f[0])) {
                throw new IllegalArgumentException("expected name[:concurrency[:perMinute]] with a lower-case name, "
                        + "got '" + part.trim() + "'");
            }
            if (!seen.add(f[0])) {
                throw new IllegalArgumentException("queue '" + f[0] + "' is listed twice");
            }
            try {
                int concurrency = f.length > 1 ? Integer.parseInt(f[1]) : defaultConcurrency;
                int rate = f.length > 2 ? Integer.parseInt(f[2]) : 0;
                out.add(new QueueSettings(f[0], concurrency, rate));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("concurrency and perMinute must be whole numbers in '"
                        + part.trim() + "'");
            }
        }
        return new WorkerPlan(false, out);
    }

    /** The queues to run: {@code builtInQueues} with the default concurrency when this plan says all. */
    public List<QueueSettings> resolve(List<String> builtInQueues, int defaultConcurrency) {
        if (!builtIn) {
            return queues;
        }
        return builtInQueues.stream().map(q -> new QueueSettings(q, defaultConcurrency, 0)).toList();
    }
}
