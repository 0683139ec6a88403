#!/usr/bin/env python3
"""Top frames of a JFR recording's CPU samples: self (top frame) and inclusive (anywhere in the stack) shares.

  jfr print --events jdk.ExecutionSample rec.jfr > samples.txt
  bench/jfr_top.py [--last S] samples.txt... [--top N]
      --last S   only the samples of each file's last S seconds (e.g. the measured window, not the start-up)
      --top N    rows per table (default 15)

Also groups the inclusive shares by library (Jackson, Netty, Vert.x, Lettuce, HushRyd's packages), the figures quoted
in docs/performance.md's profiles.
"""
import re
import sys
from collections import Counter

GROUPS = [("Jackson", "com.fasterxml.jackson."), ("Netty", "io.netty."), ("Vert.x", "io.vertx."),
          ("Lettuce", "io.lettuce."), ("HushRyd realtime", "com.hushryd.realtime."),
          ("HushRyd location", "com.hushryd.location."), ("HushRyd jobs", "com.hushryd.jobs."),
          ("JDK", "java."), ("JDK internal", "jdk.internal."), ("JDK sun", "sun.")]


def read(path, last):
    samples = []  # (seconds of the day, stack)
    stack = None
    when = None
    frame = re.compile(r"^\s+([\w$.<>/]+)\(.*line:")
    stamp = re.compile(r"startTime = (\d+):(\d+):(\d+)\.(\d+)")
    with open(path) as f:
        for line in f:
            m = stamp.search(line)
            if m:
                h, mi, se, frac = m.groups()
                when = int(h) * 3600 + int(mi) * 60 + int(se) + float("0." + frac)
            if "stackTrace = [" in line:
                stack = []
            elif stack is not None:
                m = frame.match(line)
                if m:
                    stack.append(m.group(1))
                elif line.strip().startswith("]"):
                    samples.append((when or 0, stack))
                    stack = None
    if last and samples:
        end = max(t for t, _ in samples)
        samples = [(t, s) for t, s in samples if t >= end - last]
    return [s for _, s in samples]


def main(args):
    last, n, paths = 0, 15, []
    i = 0
    while i < len(args):
        if args[i] == "--last":
            last = float(args[i + 1]); i += 2
        elif args[i] == "--top":
            n = int(args[i + 1]); i += 2
        else:
            paths.append(args[i]); i += 1
    samples = []
    for path in paths:
        samples += read(path, last)
    total = len(samples)
    if not total:
        print("no samples")
        return
    top = Counter(s[0] for s in samples if s)
    incl = Counter()
    groups = Counter()
    for s in samples:
        for fr in set(s):
            incl[fr] += 1
        for name, prefix in GROUPS:
            if any(fr.startswith(prefix) for fr in s):
                groups[name] += 1
    print(f"{total} samples from {len(paths)} recording(s) (stacks truncated at JFR's depth: inclusive shares are"
          " lower bounds)")
    print("\nself (top frame):")
    for fr, c in top.most_common(n):
        print(f"  {100 * c / total:5.1f} %  {fr}")
    print("\ninclusive:")
    for fr, c in incl.most_common(n):
        print(f"  {100 * c / total:5.1f} %  {fr}")
    print("\nby library (inclusive):")
    for name, c in groups.most_common():
        print(f"  {100 * c / total:5.1f} %  {name}")


if __name__ == "__main__":
    main(sys.argv[1:])
