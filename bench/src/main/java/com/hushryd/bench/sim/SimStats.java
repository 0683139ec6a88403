package com.hushryd.bench.sim;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * What a simulation measured, per operation: latencies (HdrHistogram, microseconds), errors by kind, calls started
 * and not yet answered, and events received. Thread-safe: event loops record while the progress line reads.
 */
public final class SimStats {
    private final Map<String, Op> ops = new ConcurrentHashMap<>();
    private final List<String> order;
    private final LongAdder events = new LongAdder();

    /** {@code order}: operations listed first in reports, in this order; others follow alphabetically. */
    public SimStats(List<String> order) {
        this.order = List.copyOf(order);
    }

    private Op op(String name) {
        return ops.computeIfAbsent(name, n -> new Op());
    }

    /** Starts timing one call of {@code op}; it counts as unfinished until it succeeds or fails. */
    public Call begin(String op) {
        Op o = op(op);
        o.inFlight.incrementAndGet();
        return new Call(o);
    }

    /** Records a latency measured elsewhere (e.g. send in one connection, receipt in another). */
    public void record(String op, long nanos) {
        op(op).record(nanos);
        events.increment();
    }

    public void error(String op, String kind) {
        error(op, kind, 1);
    }

    public void error(String op, String kind, long n) {
        if (n > 0) {
            op(op).errors.computeIfAbsent(kind, k -> new LongAdder()).add(n);
            events.increment();
        }
    }

    /** Expected answers or receipts that had not arrived when the run ended. */
    public void unfinished(String op, long n) {
        if (n > 0) {
            op(op).unfinished.addAndGet(n);
        }
    }

    /** An event received that is not itself measured (e.g. a presence update). */
    public void event() {
        events.increment();
    }

    /** Answers, errors and events so far. */
    public long events() {
        return events.sum();
    }

    /** Calls started and not yet answered, over every operation. */
    public long inFlight() {
        return ops.values().stream().mapToLong(o -> o.inFlight.get()).sum();
    }

    public long errors() {
        return ops.values().stream().mapToLong(Op::errorCount).sum();
    }

    /**
     * The latencies recorded since the previous call, by operation; they are also added to the run's totals. Call
     * it from one thread (the progress line), and once more before {@link #report}.
     */
    public synchronized Map<String, Histogram> interval() {
        Map<String, Histogram> out = new TreeMap<>();
        ops.forEach((name, o) -> {
            Histogram h = o.recorder.getIntervalHistogram();
            o.total.add(h);
            out.put(name, h);
        });
        return out;
    }

    /** The report of the run so far: calls still in flight count as unfinished. */
    public synchronized SimReport report(String startedAt, double seconds, Map<String, Object> settings) {
        interval();
        List<String> names = new ArrayList<>();
        order.stream().filter(ops::containsKey).forEach(names::add);
        new TreeMap<>(ops).keySet().stream().filter(n -> !names.contains(n)).forEach(names::add);
        List<SimReport.Operation> rows = new ArrayList<>();
        for (String name : names) {
            Op o = ops.get(name);
            Histogram h = o.total;
            Map<String, Long> kinds = new TreeMap<>();
            o.errors.forEach((k, v) -> kinds.put(k, v.sum()));
            rows.add(new SimReport.Operation(name, h.getTotalCount(), o.errorCount(), kinds,
                    o.unfinished.get() + o.inFlight.get(), ms(h.getValueAtPercentile(50)), ms(h.getValueAtPercentile(90)),
                    ms(h.getValueAtPercentile(95)), ms(h.getValueAtPercentile(99)), ms(h.getValueAtPercentile(99.9)), ms(h.getMaxValue()),
                    h.getTotalCount() == 0 ? 0 : Math.round(h.getMean()) / 1000.0,
                    seconds <= 0 ? 0 : Math.round(h.getTotalCount() * 10 / seconds) / 10.0));
        }
        return new SimReport(startedAt, Math.round(seconds * 10) / 10.0, new LinkedHashMap<>(settings), events.sum(),
                rows);
    }

    private static double ms(long micros) {
        return micros / 1000.0;
    }

    private static final class Op {
        final Recorder recorder = new Recorder(3);
        final Histogram total = new Histogram(3);
        final Map<String, LongAdder> errors = new ConcurrentHashMap<>();
        final AtomicLong inFlight = new AtomicLong();
        final AtomicLong unfinished = new AtomicLong();

        void record(long nanos) {
            recorder.recordValue(Math.max(0, TimeUnit.NANOSECONDS.toMicros(nanos)));
        }

        long errorCount() {
            return errors.values().stream().mapToLong(LongAdder::sum).sum();
        }
    }

    /** One call in flight: the first of {@link #ok} and {@link #fail} settles it, later ones are ignored. */
    public final class Call {
        private final Op op;
        private final long start = System.nanoTime();
        private final AtomicBoolean settled = new AtomicBoolean();

        private Call(Op op) {
            this.op = op;
        }

        /** Records the latency since {@link #begin}; false if the call was already settled (e.g. timed out). */
        public boolean ok() {
            if (!settled.compareAndSet(false, true)) {
                return false;
            }
            op.inFlight.decrementAndGet();
            op.record(System.nanoTime() - start);
            events.increment();
            return true;
        }

        /** Counts an error of this kind (e.g. "http 429 RATE_LIMITED", "timeout"); false if already settled. */
        public boolean fail(String kind) {
            if (!settled.compareAndSet(false, true)) {
                return false;
            }
            op.inFlight.decrementAndGet();
            op.errors.computeIfAbsent(kind, k -> new LongAdder()).increment();
            events.increment();
            return true;
        }
    }
}
