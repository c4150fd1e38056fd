#!/usr/bin/env bash
# The live client's own overhead at N concurrent streams (default 1000), against the fake server
# of the tests: each request's TTFT as cmbench measured it, minus the TTFT the server scheduled
# and timed itself (first chunk written − request read, on the same CLOCK_MONOTONIC). What is left
# is the client (send path, connection, parsing, timestamping) plus the loopback and the Python
# server's accept: an upper bound on what the client adds. Not part of CI (docs/live.md).
#   bash ci/live-overhead.sh [N] [BINARY]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000}
binary=${2:-${CMBENCH:-.build/debug/cmbench}}
out=$(mktemp -d)
server_pid=
trap '[ -n "$server_pid" ] && kill -9 $server_pid 2>/dev/null; rm -rf "$out"' EXIT
python3 Tests/LiveEndpointTests/Fixtures/fake_openai_server.py --ttft-ms 1500 --gap-ms 50 --log "$out/server.jsonl" > "$out/port" &
server_pid=$!
for _ in $(seq 50); do grep -q PORT "$out/port" 2>/dev/null && break; sleep 0.1; done
port=$(awk '{print $2}' "$out/port")
# N requests 1 ms apart, 200 prompt tokens, 20 output tokens: each stream lasts 2.45 s, so all N
# are in flight together once the last is sent.
python3 - "$n" > "$out/trace.csv" <<'PY'
import sys
n = int(sys.argv[1])
print("arrival_ns,input_tokens,output_tokens,session_id,prefix_block_tokens,prefix_hash_ids")
for i in range(n):
    print("%d,200,20,,512," % (i * 1_000_000))
PY
ulimit -n 65536 2>/dev/null || true
"$binary" replay "$out/trace.csv" --backend openai --backend-option url="http://127.0.0.1:$port/v1" \
  --backend-option model=fake --backend-option timeout=60s --no-progress --requests-csv "$out/requests.csv" > "$out/report.txt"
grep -E "^(requests|TTFT|ITL|sending)" "$out/report.txt"
python3 - "$out/requests.csv" "$out/server.jsonl" <<'PY'
import csv, json, sys
client = {}
with open(sys.argv[1]) as f:
    for row in csv.DictReader(f):
        if row["status"] == "completed":
            client[int(row["id"])] = float(row["ttft_ms"])
server = {}
for line in open(sys.argv[2]):
    r = json.loads(line)
    if "first" in r and r.get("id"):
        server[int(r["id"].split("-")[1])] = (r["first"] - r["received"]) * 1e3
diff = sorted(client[i] - server[i] for i in client if i in server)
def q(p):
    k = (len(diff) - 1) * p
    lo = int(k); hi = min(lo + 1, len(diff) - 1)
    return diff[lo] + (diff[hi] - diff[lo]) * (k - lo)
print("streams %d; client TTFT - server TTFT (ms): p50 %.3f  p90 %.3f  p99 %.3f  max %.3f" % (len(diff), q(.5), q(.9), q(.99), diff[-1]))
PY
