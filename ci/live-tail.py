#!/usr/bin/env python3
"""Who held the cores during the slowest streams of a ci/live-overhead.sh run.

Not part of CI: a measuring aid (docs/live.md, "The HTTP client"). Run the script with KEEP=DIR
and, beside it, a scheduler trace on the same clock (CLOCK_MONOTONIC), then:

    perf record -e sched:sched_switch -k mono -a -o DIR/perf.data sleep 12 &
    KEEP=DIR bash ci/live-overhead.sh 1000 .build/release/cmbench client=curl
    perf script -i DIR/perf.data > DIR/sched.txt
    python3 ci/live-tail.py DIR DIR/sched.txt [WORST]

For each of the WORST (default 15) streams it lists the tasks other than cmbench, the server and
the stall meters that ran on a core inside the stream's two windows (its send to the server
reading it; the server writing its first chunk to cmbench timing it), with how long; then the
overhead's p50/p90/p99 over the streams no such task touched for more than 50 us.
"""
import collections
import csv
import json
import re
import sys

if len(sys.argv) < 3:
    sys.exit(__doc__)
keep, sched = sys.argv[1], sys.argv[2]
worst_count = int(sys.argv[3]) if len(sys.argv) > 3 else 15

client = {}
for row in csv.DictReader(open(keep + "/requests.csv")):
    if row["status"] == "completed":
        client[int(row["id"])] = float(row["ttft_ms"])
server = {}
for line in open(keep + "/server.jsonl"):
    record = json.loads(line)
    if "first" in record and record.get("id"):
        server[int(record["id"].rsplit("-", 1)[1], 16)] = record

# Each core's timeline: (start, end, task, pid) from consecutive sched_switch events.
timeline = collections.defaultdict(list)
current = {}
switch = re.compile(r"\[(\d+)\]\s+([\d.]+):\s+sched:sched_switch:.*next_comm=(.*?) next_pid=(\d+)")
for line in open(sched):
    match = switch.search(line)
    if not match:
        continue
    cpu, time, task, pid = int(match[1]), float(match[2]), match[3], int(match[4])
    if cpu in current:
        start, previous_task, previous_pid = current[cpu]
        timeline[cpu].append((start, time, previous_task, previous_pid))
    current[cpu] = (time, task, pid)

ours = ("cmbench", "server", "machine-stalls", "swapper", "-qos")  # -qos: cmbench's Dispatch threads


def foreign(start, end):
    held = collections.Counter()
    for cpu, spans in timeline.items():
        for a, b, task, pid in spans:
            if b > start and a < end and not task.startswith(ours):
                held["%s[%d] on core %d" % (task, pid, cpu)] += (min(b, end) - max(a, start)) * 1e3
    return held


overhead = {i: client[i] - (server[i]["first"] - server[i]["received"]) * 1e3 for i in client if i in server}


def windows(i):
    record, seconds = server[i], overhead[i] / 1e3
    return foreign(record["received"] - seconds, record["received"]) + foreign(record["first"], record["first"] + seconds)


for i in sorted(overhead, key=overhead.get)[-worst_count:]:
    held = windows(i)
    print("stream %4d  overhead %6.2f ms  other tasks: %s"
          % (i, overhead[i], ", ".join("%s %.2f ms" % item for item in held.most_common(3)) or "none"))


def quantile(values, p):
    values = sorted(values)
    return values[int((len(values) - 1) * p)]


untouched = [overhead[i] for i in overhead if sum(windows(i).values()) < 0.05]
print("all %d streams: p50 %.3f  p99 %.3f ms" % (len(overhead), quantile(overhead.values(), .5), quantile(overhead.values(), .99)))
if untouched:
    print("the %d no other task touched for more than 50 us: p50 %.3f  p90 %.3f  p99 %.3f ms"
          % (len(untouched), quantile(untouched, .5), quantile(untouched, .9), quantile(untouched, .99)))
