#!/usr/bin/env bash
# Fails when a module imports something its layer may not (imports flow inward).
set -euo pipefail
cd "$(dirname "$0")/.."
declare -A allowed=(
  [DiscreteEvent]="Glibc Darwin"
  [ServingModel]="DiscreteEvent"
  [ServingMetrics]="ServingModel DiscreteEvent Glibc Darwin"
  [Replay]="DiscreteEvent ServingModel"
  [DisaggregatedServing]="DiscreteEvent ServingModel Foundation Glibc Darwin"
  [ZstdStream]="CZstd Glibc Darwin"
  [TraceFormats]="ZstdStream ServingModel DiscreteEvent FileOutput Foundation Glibc Darwin"
  [FileOutput]="Synchronization Glibc Darwin"
  [RegressionGate]="Foundation Glibc Darwin"
  [Reporting]="FileOutput Foundation Glibc Darwin"
  [ResultsStore]="CSQLite Foundation Glibc Darwin"
)
status=0
for module in "${!allowed[@]}"; do
  [ -d "Sources/$module" ] || continue
  while IFS=: read -r file _ statement; do
    imported=$(echo "$statement" | sed -E 's/^[[:space:]]*(@_exported[[:space:]]+)?import[[:space:]]+//; s/[[:space:]].*$//')
    case " ${allowed[$module]} " in
      *" $imported "*) ;;
      *) echo "layering: $file imports $imported, which $module may not" >&2; status=1 ;;
    esac
  done < <(grep -rnE '^[[:space:]]*(@_exported[[:space:]]+)?import[[:space:]]+' "Sources/$module" --include='*.swift' || true)
done
exit $status
