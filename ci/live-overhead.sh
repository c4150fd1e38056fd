#!/usr/bin/env bash
# The live client's own overhead at N concurrent streams (default 1000): each request's TTFT as
# cmbench measured it, minus the TTFT the server scheduled and timed itself (first chunk written
# − request read, on the same CLOCK_MONOTONIC). What is left is the client (send path,
# connection, parsing, timestamping) plus the loopback and the server's own delay in reading the
# request: an upper bound on what the client adds. Also: send lateness, sends/s, ITL against the
# 50 ms schedule, and the client's CPU time. Not part of CI (docs/live.md, "The HTTP client").
#
# The server is ci/live-overhead-server.c (built here with cc): one epoll loop in C, so its own
# delays stay far below the client's. On a machine with 2 or more cores the server is pinned to
# the last core and cmbench to the others (taskset), so neither steals the other's core.
#   bash ci/live-overhead.sh [N] [BINARY] [BACKEND-OPTION...]     e.g. client=curl
#   SERVER_MODE=asyncio bash ci/live-overhead.sh                 the tests' Python fake server,
#                                                                  one asyncio loop (as measured before)
#   SERVER_MODE=threads bash ci/live-overhead.sh                 the tests' thread-a-connection server
#   PIN=0 bash ci/live-overhead.sh                               no pinning
#   GAP_MS=200 bash ci/live-overhead.sh                            chunks 200 ms apart (default 50)
#   PRIORITY=normal bash ci/live-overhead.sh                     cmbench and the server as ordinary
#                                                                  processes (default as root: SCHED_FIFO 1)
#
# Why real-time priority by default: on this kind of VM the machine's own agent (PID 1's
# tokio-rt-worker thread, nice -10, in another cgroup) takes a core for up to 7 ms at a time;
# `perf sched` put it on the client's core in the worst streams of every run, and nice -15 did not
# keep it off (CFS shares between cgroups, not by nice across them). At SCHED_FIFO 1 neither
# cmbench nor the server can be preempted by an ordinary process, so what is measured is the
# client's own cost; the stall meters (SCHED_FIFO 2) still catch what the hypervisor and the
# kernel take.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000}
binary=${2:-${CMBENCH:-.build/release/cmbench}}
shift $(( $# > 2 ? 2 : $# ))
extra=()
for option in "$@"; do extra+=(--backend-option "$option"); done
# A C compiler for the server and the stall meters: the system's, else the Swift toolchain's clang.
compiler=$(command -v cc || command -v clang || true)
[ -n "$compiler" ] || { echo "live-overhead: needs a C compiler for its server and stall meter (apt-get install gcc)" >&2; exit 69; }
out=$(mktemp -d)
server_pid=
trap '[ -n "$server_pid" ] && kill -9 $server_pid 2>/dev/null; [ -n "${KEEP:-}" ] && cp -r "$out" "$KEEP"; rm -rf "$out"' EXIT
cores=$(nproc)
pin_server=() pin_client=()
if [ "${PIN:-1}" = 1 ] && [ "$cores" -ge 2 ] && command -v taskset > /dev/null; then
  pin_server=(taskset -c $((cores - 1)))
  pin_client=(taskset -c 0-$((cores - 2)))
  echo "pinned: server on core $((cores - 1)), cmbench on cores 0-$((cores - 2))"
fi
# Only when pinned: two real-time processes sharing one core could starve each other's turns.
if [ "${PRIORITY:-realtime}" = realtime ] && [ ${#pin_client[@]} -gt 0 ] && [ "$(id -u)" = 0 ] && command -v chrt > /dev/null; then
  pin_server+=(chrt -f 1)
  pin_client+=(chrt -f 1)
  echo "priority: cmbench and the server at SCHED_FIFO 1, the stall meters at 2 (PRIORITY=normal to run them as ordinary processes)"
fi
case "${SERVER_MODE:-c}" in
  c)
    "$compiler" -O2 -o "$out/server" ci/live-overhead-server.c
    "${pin_server[@]}" "$out/server" 1500 "${GAP_MS:-50}" "$out/server.jsonl" > "$out/port" & ;;
  asyncio|threads)
    server_flag=--asyncio
    [ "$SERVER_MODE" = threads ] && server_flag=
    "${pin_server[@]}" python3 Tests/LiveEndpointTests/Fixtures/fake_openai_server.py $server_flag --ttft-ms 1500 \
      --gap-ms "${GAP_MS:-50}" --log "$out/server.jsonl" > "$out/port" & ;;
  *) echo "SERVER_MODE: c, asyncio or threads" >&2; exit 64 ;;
esac
server_pid=$!
disown "$server_pid"
for _ in $(seq 100); do grep -q PORT "$out/port" 2>/dev/null && break; sleep 0.1; done
port=$(awk '{print $2}' "$out/port")
# N requests 1 ms apart, 200 prompt tokens, 20 output tokens: each stream lasts 1.5 s + 19 gaps
# (2.45 s), so all N are in flight together once the last is sent.
python3 - "$n" > "$out/trace.csv" <<'PY'
import sys
n = int(sys.argv[1])
print("arrival_ns,input_tokens,output_tokens,session_id,prefix_block_tokens,prefix_hash_ids")
for i in range(n):
    print("%d,200,20,,512," % (i * 1_000_000))
PY
ulimit -n 65536 2>/dev/null || true
# A stall meter on each core the run uses (ci/machine-stalls.c), at real-time priority when
# root, above cmbench's and the server's: what the machine itself took from them during the run.
"$compiler" -O2 -o "$out/machine-stalls" ci/machine-stalls.c
run_seconds=$(python3 -c "print($n / 1000 + 1.5 + 19 * ${GAP_MS:-50} / 1000 + 2)")
realtime=()
[ "$(id -u)" = 0 ] && command -v chrt > /dev/null && realtime=(chrt -f 2)
meters=()
for core in $(seq 0 $((cores - 1))); do
  taskset -c "$core" "${realtime[@]}" "$out/machine-stalls" "$run_seconds" "$out/stalls-$core.txt" 2> "$out/stalls-$core.err" &
  meters+=($!)
done
"${pin_client[@]}" /usr/bin/time -f "%U %S" -o "$out/cpu" "$binary" replay "$out/trace.csv" --backend openai \
  --backend-option url="http://127.0.0.1:$port/v1" --backend-option model=fake --backend-option timeout=60s \
  "${extra[@]}" --no-progress --requests-csv "$out/requests.csv" > "$out/report.txt"
wait "${meters[@]}"
cat "$out"/stalls-*.err
grep -E "^(requests|sending)" "$out/report.txt"
echo "report (ms)      mean       p50        p90        p95        p99        p99.9"
grep -E "^(TTFT|ITL) +[0-9]" "$out/report.txt"
python3 - "$out/requests.csv" "$out/server.jsonl" "$out/cpu" "$out"/stalls-*.txt <<'PY'
import csv, json, sys
client, span, arrivals = {}, {}, []
with open(sys.argv[1]) as f:
    for row in csv.DictReader(f):
        arrivals.append(float(row["arrival_s"]))
        if row["status"] == "completed":
            client[int(row["id"])] = float(row["ttft_ms"])
            span[int(row["id"])] = float(row["e2e_ms"]) - float(row["ttft_ms"])
server, server_span, server_late, times = {}, {}, [], {}
for line in open(sys.argv[2]):
    r = json.loads(line)
    if "first" in r and r.get("id"):
        i = int(r["id"].rsplit("-", 1)[1], 16)  # X-Request-Id: a UUID whose last 48 bits are the id
        server[i] = (r["first"] - r["received"]) * 1e3
        server_span[i] = (r["last"] - r["first"]) * 1e3
        times[i] = (r["received"], r["first"])
        if "late_max" in r:
            server_late.append(r["late_max"] * 1e3)
def q(values, p):
    values = sorted(values)
    k = (len(values) - 1) * p
    lo = int(k); hi = min(lo + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)
def line(label, values):
    print("%s (ms): p50 %.3f  p90 %.3f  p99 %.3f  max %.3f" % (label, q(values, .5), q(values, .9), q(values, .99), max(values)))
common = [i for i in client if i in server]
print("streams %d" % len(common))
overhead = {i: client[i] - server[i] for i in common}
line("client TTFT - server TTFT", list(overhead.values()))
# The machine's stalls (ci/machine-stalls.c, one meter a core). A request's overhead lies in two
# windows on the shared clock: from its send to the server reading it, [received - overhead,
# received], and from the server writing its first chunk to the client timing it, [first,
# first + overhead]. A request with a stall inside either window waited on the machine, not
# (only) on the client.
stalls = []
for name in sys.argv[4:]:
    stalls += [tuple(map(float, l.split())) for l in open(name) if l.strip()]
def hit(i):
    received, first = times[i]
    d = overhead[i] / 1e3
    return any(a < received and b > received - d or a < first + d and b > first for a, b in stalls)
clean = [overhead[i] for i in common if not hit(i)]
print("machine stalls > 0.5 ms during the run: %d (longest %.3f ms, %.1f ms in all); streams with one in their overhead windows: %d"
      % (len(stalls), max([(b - a) * 1e3 for a, b in stalls] or [0]), sum((b - a) * 1e3 for a, b in stalls), len(common) - len(clean)))
if clean:
    line("client TTFT - server TTFT, streams without a machine stall", clean)
line("client first-to-last chunk - server's (ITL drift over 19 gaps)", [span[i] - server_span[i] for i in common])
if server_late:
    line("server: latest chunk against its schedule", server_late)
span = max(arrivals) - min(arrivals)
user, system = (float(x) for x in open(sys.argv[3]).read().split()[-2:])
print("sends/s %.0f (%d sends over %.3f s; schedule 1000/s); client CPU %.2f s user + %.2f s system = %.2f ms a stream"
      % ((len(arrivals) - 1) / span if span > 0 else float("nan"), len(arrivals), span, user, system, (user + system) * 1e3 / len(arrivals)))
# The issue's target, stated (not enforced: the machine's stalls decide too many runs for a gate).
def verdict(values):
    p99 = q(values, .99)
    return "%.3f ms, %s" % (p99, "met" if p99 < 1 else "NOT met")
print("target: under 1 ms added to p99 TTFT at %d streams: all streams %s; without stall-hit streams %s; the machine took %.1f ms"
      % (len(common), verdict(list(overhead.values())), verdict(clean) if clean else "n/a", sum((b - a) * 1e3 for a, b in stalls)))
PY
