package com.hushryd.bench.sim;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The final report of a simulation: per operation the answered count, latency percentiles in milliseconds
 * (HdrHistogram, 3 significant digits), errors by kind and unfinished calls (started, never answered). Written as
 * text and as JSON (the record's fields).
 */
public record SimReport(String startedAt, double seconds, Map<String, Object> settings, long events,
        List<Operation> operations) {

    /** One operation; {@code count} counts successful answers, whose latencies the percentiles describe. */
    public record Operation(String name, long count, long errors, Map<String, Long> errorKinds, long unfinished,
            double p50Ms, double p90Ms, double p95Ms, double p99Ms, double p999Ms, double maxMs, double meanMs, double perSecond) {
    }

    public long totalErrors() {
        return operations.stream().mapToLong(Operation::errors).sum();
    }

    public long totalUnfinished() {
        return operations.stream().mapToLong(Operation::unfinished).sum();
    }

    /** A fixed-width table, then one line per error kind. */
    public String text() {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "simulation of %.1f s started %s: %d events (%.0f/s), %d errors, "
                + "%d unfinished%n", seconds, startedAt, events, seconds <= 0 ? 0.0 : events / seconds, totalErrors(),
                totalUnfinished()));
        b.append(String.format(Locale.ROOT, "%-18s %9s %8s %8s %8s %8s %8s %8s %8s %8s %7s%n", "operation",
                "ok", "ok/s", "p50 ms", "p90 ms", "p95 ms", "p99 ms", "p99.9 ms", "max ms", "errors", "unfin."));
        for (Operation o : operations) {
            b.append(String.format(Locale.ROOT, "%-18s %9d %8.1f %8.2f %8.2f %8.2f %8.2f %8.2f %8.2f %8d %7d%n",
                    o.name(), o.count(), o.perSecond(), o.p50Ms(), o.p90Ms(), o.p95Ms(), o.p99Ms(), o.p999Ms(), o.maxMs(), o.errors(),
                    o.unfinished()));
        }
        for (Operation o : operations) {
            o.errorKinds().forEach((kind, n) -> b.append(String.format(Locale.ROOT, "error %s: %s x%d%n", o.name(),
                    kind, n)));
        }
        return b.toString();
    }
}
