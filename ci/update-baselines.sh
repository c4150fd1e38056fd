#!/usr/bin/env bash
# Accepts the model's current outputs as the new baselines (run after an intended model change,
# then commit results/baselines/ with a message saying why the numbers moved).
set -euo pipefail
cd "$(dirname "$0")/.."
bash ci/stamp.sh
swift build --product cmbench
binary=.build/debug/cmbench
"$binary" reproduce --json > results/baselines/reproduce.json
"$binary" replay traces/default.csv.zst --json --slo ttft=2000ms,tpot=50ms > results/baselines/replay-default.json 2>/dev/null
echo "updated results/baselines/{reproduce,replay-default}.json" >&2
