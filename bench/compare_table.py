#!/usr/bin/env python3
"""Ratio tables of bench/compare.sh: medians over runs per side, then HushRyd / peer for each metric.

  compare_table.py fanout FILE.jsonl...  (the --json lines of BenchMain fanout, labels hushryd, hushryd-no-recovery
                                         and node-socketio;
                                         one file per publish rate)
  compare_table.py jobs FILE.txt       (the result lines of JobsBench --backends redis and peers/bullmq/bench.js)
"""
import json
import statistics
import sys
from collections import defaultdict


def ratio(a, b):
    return "n/a" if not b else f"{a / b:.2f}x"


def table(header, rows):
    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]
    line = lambda r: "| " + " | ".join(str(c).rjust(w) if i else str(c).ljust(w)
                                        for i, (c, w) in enumerate(zip(r, widths))) + " |"
    print(line(header))
    print("| " + " | ".join("-" * w for w in widths) + " |")
    for r in rows:
        print(line(r))


def fanout(*paths):
    runs = defaultdict(list)  # (file: one per publish rate asked for, label) -> results
    order = list(paths)
    for path in paths:
        with open(path) as f:
            for text in f:
                r = json.loads(text)
                runs[(path, r["label"])].append(r)
    metrics = [("offered pub/s", "publishesPerSecond", "{:,.0f}"), ("deliveries/s", "deliveriesPerSecond", "{:,.0f}"),
               ("window dlv/offered", "windowDeliveredPerOffered", "{:.4f}"),
               ("drained dlv/offered", "deliveredPerOffered", "{:.5f}"), ("drain ms", "drainMs", "{:.0f}"),
               ("loss %", "lossPercent", "{:.3f}"), ("dups", "duplicates", "{:.0f}"),
               ("p50 ms", "p50Ms", "{:.2f}"), ("p99 ms", "p99Ms", "{:.2f}"),
               ("p99.9 ms", "p999Ms", "{:.2f}"), ("CPU cores", "serverCpuPercent", "{:.2f}"),
               ("RSS MB", "serverRssBytes", "{:.0f}"), ("deliveries/CPU-s", "deliveriesPerCpuSecond", "{:,.0f}"),
               ("CPU us/delivery", "cpuMicrosPerDelivery", "{:.2f}"),
               ("Redis CPU-s/run", "redisCpuSeconds", "{:.2f}")]
    scale = {"serverCpuPercent": 0.01, "serverRssBytes": 1 / 2**20}
    print()
    print("P-FANOUT, medians of %s run(s) per side; ratio = HushRyd / Node Socket.IO (deliveries/s: higher is better;"
          " loss, latency, CPU, RSS: lower is better; deliveries/CPU-s: higher is better)" % ",".join(
              sorted({str(len(v)) for v in runs.values()})))
    rows = []
    for rate in order:
        sides = {}
        for label in ("hushryd", "hushryd-no-recovery", "node-socketio", "ceiling", "ceiling-direct"):
            rs = runs.get((rate, label), [])
            for r in rs:
                # what one core busy the whole time delivers: the server's efficiency whatever share of the machine
                # it got (a single-threaded peer never uses more than one core)
                cores = r["serverCpuPercent"] / 100
                r["deliveriesPerCpuSecond"] = r["deliveriesPerSecond"] / cores if cores > 0 else 0
                r["cpuMicrosPerDelivery"] = 1e6 / r["deliveriesPerCpuSecond"] if r["deliveriesPerCpuSecond"] else 0
                r.setdefault("redisCpuSeconds", 0.0)
                # lines written before the fair rework lack these
                for k in ("windowDeliveredPerOffered", "deliveredPerOffered", "drainMs", "duplicates"):
                    r.setdefault(k, float("nan"))
            if rs:
                sides[label] = {k: statistics.median(r[k] for r in rs) * scale.get(k, 1) for _, k, _ in metrics}
                rows.append([f"{label} (n={len(rs)})"] + [fmt.format(sides[label][k]) for _, k, fmt in metrics])
        if "hushryd" in sides and "node-socketio" in sides:
            h, n = sides["hushryd"], sides["node-socketio"]
            rows.append(["ratio HushRyd/Node"] + [ratio(h[k], n[k]) for _, k, _ in metrics])
        if "hushryd" in sides and "hushryd-no-recovery" in sides:
            # the cost of connection state recovery: CPU per delivery and latency with it on, over off
            h, o = sides["hushryd"], sides["hushryd-no-recovery"]
            rows.append(["ratio recovery on/off"] + [ratio(h[k], o[k]) for _, k, _ in metrics])
        for label in ("hushryd", "hushryd-no-recovery"):
            for ceiling in ("ceiling", "ceiling-direct"):
                if label in sides and ceiling in sides:
                    # how far from the least the stack can do: CPU per delivery over the ceiling's
                    h, c = sides[label], sides[ceiling]
                    rows.append([f"ratio {label}/{ceiling}"] + [ratio(h[k], c[k]) for _, k, _ in metrics])
    table(["server"] + [m[0] for m in metrics], rows)


def jobs(path):
    runs = defaultdict(list)  # (concurrency, side) -> [enq, proc, p50, p99, max, cpu us/job]
    order = []
    ceiling = {}  # concurrency -> redis-benchmark adds/s of add.lua
    with open(path) as f:
        for text in f:
            parts = text.split()
            if len(parts) == 3 and parts[0] == "ceiling" and parts[1].isdigit():
                ceiling[int(parts[1])] = float(parts[2])
                continue
            if len(parts) < 8 or parts[0] not in ("redis", "bullmq") or not parts[1].isdigit():
                continue
            c = int(parts[1])
            cpu = float(parts[8]) if len(parts) > 8 and parts[8].replace(".", "").isdigit() else float("nan")
            runs[(c, parts[0])].append([float(x) for x in parts[2:7]] + [cpu])
            if c not in order:
                order.append(c)
    names = ["enqueue/s", "processed/s", "p50 ms", "p99 ms", "max ms", "cpu us/job"]
    fmts = ["{:,.0f}", "{:,.0f}", "{:.2f}", "{:.2f}", "{:.1f}", "{:.1f}"]
    print()
    print("P-JOBS, medians per side; ratio = HushRyd Redis queue / BullMQ (throughput: higher is better; latency: lower"
          " is better)")
    rows = []
    for c in order:
        sides = {}
        for side, label in (("redis", "hushryd-redis"), ("bullmq", "bullmq")):
            rs = runs.get((c, side), [])
            if rs:
                sides[side] = [statistics.median(col) for col in zip(*rs)]
                rows.append([label, c, len(rs)] + [f.format(v) for f, v in zip(fmts, sides[side])])
        if len(sides) == 2:
            rows.append(["ratio HushRyd/BullMQ", c, ""] + [ratio(a, b) for a, b in zip(sides["redis"], sides["bullmq"])])
        if c in ceiling:
            rows.append(["redis-benchmark add.lua", c, 1, f"{ceiling[c]:,.0f}", "", "", "", "", ""])
    table(["queue", "C", "runs"] + names, rows)


if __name__ == "__main__":
    {"fanout": fanout, "jobs": jobs}[sys.argv[1]](*sys.argv[2:])
