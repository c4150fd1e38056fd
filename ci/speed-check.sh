#!/usr/bin/env bash
# cmbench's own speed, checked without being fooled by noise: instructions executed (valgrind
# callgrind) by the release binary on fixed, seeded workloads, compared with the accepted counts
# in results/baselines/instructions.json by `cmbench gate` (thresholds in
# results/thresholds/instructions.json: more than +5 % on any workload is a regression, exit 2).
#
#   bash ci/speed-check.sh            # measure and compare (about 4 minutes on 2 cores)
#   bash ci/speed-check.sh --accept   # measure and accept the counts as the new baseline
#
# Instruction counts do not depend on the machine's load, only on the code, the toolchain and
# the inputs; run to run they moved by under 0.01 % here (docs/performance.md, "Speed check"). Hashing is made
# deterministic and paths are fixed so that nothing else moves them.
set -euo pipefail
cd "$(dirname "$0")/.."
accept=false
case "${1:-}" in
  --accept) accept=true ;;
  "") ;;
  *) echo "usage: ci/speed-check.sh [--accept]" >&2; exit 64 ;;
esac
command -v valgrind >/dev/null 2>&1 || {
  echo "speed-check: valgrind is missing (apt-get install valgrind)" >&2; exit 66; }

if [ -z "${CMBENCH:-}" ]; then
  bash ci/stamp.sh
  swift build -c release --product cmbench >&2
  CMBENCH=.build/release/cmbench
fi
binary=$CMBENCH
work=.build/speed-check
mkdir -p "$work"
export SWIFT_DETERMINISTIC_HASHING=1 LC_ALL=C

# Seeded inputs, generated once (not measured).
week_shape=(--rate 44.64 --input lognormal:median=1020,sigma=1.0,max=32768 --output lognormal:median=129,sigma=0.9,max=4096)
[ -f "$work/ingest.csv.zst" ] || "$binary" synth "$work/ingest.csv.zst" --requests 300000 --seed 7 \
  --shared-prefix groups=64,blocks=4 "${week_shape[@]}" 2>/dev/null
[ -f "$work/slice.csv.zst" ] || "$binary" synth "$work/slice.csv.zst" --requests 40000 --seed 2024 "${week_shape[@]}" 2>/dev/null
[ -f "$work/decode.csv" ] || "$binary" synth "$work/decode.csv" --requests 30720 --input fixed:4096 --output fixed:256 2>/dev/null

# name, then the cmbench arguments.
workloads=(
  "ingest_instructions|bench --measure-ingest $work/ingest.csv.zst"
  "replay_fixed_instructions|replay $work/slice.csv.zst --backend fixed --json --no-progress"
  "replay_cloudmatrix_instructions|replay $work/slice.csv.zst --json --no-progress --slo ttft=2000ms,tpot=50ms"
  "replay_aggregated_instructions|replay $work/slice.csv.zst --backend aggregated --backend-option deployment=aggregated-910c --json --no-progress"
  "sweep_decode_instructions|sweep $work/decode.csv --over backend:decode_batch_per_die --values 12,48 --backend-option phase=decode --concurrency 15360 --jobs 1 --json"
)

current="$work/instructions.json"
{
  echo '{'
  echo '  "schema": "cmbench.metrics/1",'
  echo '  "metrics": {'
  separator=""
  for entry in "${workloads[@]}"; do
    name=${entry%%|*}
    read -r -a arguments <<< "${entry#*|}"
    log="$work/$name.log"
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$binary" "${arguments[@]}" > /dev/null 2> "$log" || {
      echo "speed-check: $name failed; see $log" >&2; exit 1; }
    count=$(sed -n 's/^==[0-9]*== Collected : \([0-9]*\)$/\1/p' "$log")
    [ -n "$count" ] || { echo "speed-check: no instruction count in $log" >&2; exit 1; }
    echo "speed-check: $name $count" >&2
    printf '%s    "%s": %s' "$separator" "$name" "$count"
    separator=$',\n'
  done
  printf '\n  }\n}\n'
} > "$current.tmp"
mv "$current.tmp" "$current"

baseline=results/baselines/instructions.json
if $accept; then
  cp "$current" "$baseline"
  echo "speed-check: accepted $baseline; commit it with a message saying why the counts moved" >&2
  exit 0
fi
"$binary" gate "$current" --baseline "$baseline" --thresholds results/thresholds/instructions.json \
  --title "cmbench speed check: instructions (callgrind)"
