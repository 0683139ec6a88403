#!/usr/bin/env python3
"""Top frames of a JFR recording's CPU samples: self (top frame) and inclusive (anywhere in the stack) shares.

  jfr print --events jdk.ExecutionSample rec.jfr > samples.txt
  bench/jfr_top.py samples.txt [N]        (N rows per table, default 15)

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


def main(path, n=15):
    samples = []
    stack = None
    frame = re.compile(r"^\s+([\w$.<>/]+)\(.*line:")
    with open(path) as f:
        for line in f:
            if "stackTrace = [" in line:
                stack = []
            elif stack is not None:
                m = frame.match(line)
                if m:
                    stack.append(m.group(1))
                elif line.strip().startswith("]") or line.strip() == "...":
                    if line.strip().startswith("]"):
                        samples.append(stack)
                        stack = None
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
    print(f"{total} samples (stacks truncated at JFR's depth: shares are lower bounds)")
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
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 15)
