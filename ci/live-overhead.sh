#!/usr/bin/env bash
# The live client's own overhead at N concurrent streams (default 1000), against the fake server
# of the tests in its asyncio mode (one event loop holds every stream; the threaded mode's
# thread a connection under one GIL delays chunks at this scale): each request's TTFT as
# cmbench measured it, minus the TTFT the server scheduled and timed itself (first chunk written
# − request read, on the same CLOCK_MONOTONIC). What is left is the client (send path,
# connection, parsing, timestamping) plus the loopback and the server's accept: an upper bound on
# what the client adds. Also: send lateness, sends/s, ITL against the 50 ms schedule, and the
# client's CPU time. Not part of CI (docs/live.md, "The HTTP client").
#   bash ci/live-overhead.sh [N] [BINARY] [BACKEND-OPTION...]     e.g. client=curl
#   SERVER_MODE=threads bash ci/live-overhead.sh                 the thread-a-connection server
#   GAP_MS=200 bash ci/live-overhead.sh                            chunks 200 ms apart (default 50):
#                                                                  the same streams, a lighter server
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000}
binary=${2:-${CMBENCH:-.build/release/cmbench}}
shift $(( $# > 2 ? 2 : $# ))
extra=()
for option in "$@"; do extra+=(--backend-option "$option"); done
server_flag=--asyncio
[ "${SERVER_MODE:-asyncio}" = threads ] && server_flag=
out=$(mktemp -d)
server_pid=
trap '[ -n "$server_pid" ] && kill -9 $server_pid 2>/dev/null; rm -rf "$out"' EXIT
python3 Tests/LiveEndpointTests/Fixtures/fake_openai_server.py $server_flag --ttft-ms 1500 --gap-ms "${GAP_MS:-50}" --log "$out/server.jsonl" > "$out/port" &
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
start=$(date +%s.%N)
/usr/bin/time -f "%U %S" -o "$out/cpu" "$binary" replay "$out/trace.csv" --backend openai \
  --backend-option url="http://127.0.0.1:$port/v1" --backend-option model=fake --backend-option timeout=60s \
  "${extra[@]}" --no-progress --requests-csv "$out/requests.csv" > "$out/report.txt"
grep -E "^(requests|sending)" "$out/report.txt"
echo "report (ms)      mean       p50        p90        p95        p99        p99.9"
grep -E "^(TTFT|ITL) +[0-9]" "$out/report.txt"
python3 - "$out/requests.csv" "$out/server.jsonl" "$out/cpu" <<'PY'
import csv, json, sys
client, span, arrivals = {}, {}, []
with open(sys.argv[1]) as f:
    for row in csv.DictReader(f):
        arrivals.append(float(row["arrival_s"]))
        if row["status"] == "completed":
            client[int(row["id"])] = float(row["ttft_ms"])
            span[int(row["id"])] = float(row["e2e_ms"]) - float(row["ttft_ms"])
server, server_span, server_late = {}, {}, []
for line in open(sys.argv[2]):
    r = json.loads(line)
    if "first" in r and r.get("id"):
        i = int(r["id"].rsplit("-", 1)[1], 16)  # X-Request-Id: a UUID whose last 48 bits are the id
        server[i] = (r["first"] - r["received"]) * 1e3
        server_span[i] = (r["last"] - r["first"]) * 1e3
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
line("client TTFT - server TTFT", [client[i] - server[i] for i in common])
line("client first-to-last chunk - server's (ITL drift over 19 gaps)", [span[i] - server_span[i] for i in common])
if server_late:
    line("server: latest chunk against its schedule", server_late)
span = max(arrivals) - min(arrivals)
user, system = (float(x) for x in open(sys.argv[3]).read().split()[-2:])
print("sends/s %.0f (%d sends over %.3f s; schedule 1000/s); client CPU %.2f s user + %.2f s system = %.2f ms a stream"
      % ((len(arrivals) - 1) / span if span > 0 else float("nan"), len(arrivals), span, user, system, (user + system) * 1e3 / len(arrivals)))
PY
