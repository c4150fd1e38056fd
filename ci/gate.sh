#!/usr/bin/env bash
# The project gates itself: the model's predictions (cmbench reproduce) and the replay of the
# shipped trace are compared with the accepted outputs in results/baselines/. Any change that
# moves them fails CI until the baselines are updated on purpose (ci/update-baselines.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
binary=${CMBENCH:-.build/debug/cmbench}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

"$binary" reproduce --json > "$out/reproduce.json"
"$binary" replay traces/default.csv.zst --json --slo ttft=2000ms,tpot=50ms > "$out/replay-default.json" 2>/dev/null

status=0
for name in reproduce replay-default; do
  echo "gate: $name against results/baselines/$name.json" >&2
  "$binary" gate "$out/$name.json" --baseline "results/baselines/$name.json" \
    --thresholds results/thresholds/self-gate.json --title "cmbench self-gate: $name" || status=$?
done
if [ "$status" -ne 0 ]; then
  echo "gate: the model's outputs changed. If the change is intended, run ci/update-baselines.sh and commit results/baselines/." >&2
fi
exit "$status"
