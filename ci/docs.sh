#!/usr/bin/env bash
# The tables of results in README.md and docs/*.md are generated from cmbench's own output:
# every block between `<!-- BEGIN GENERATED: NAME -->` and `<!-- END GENERATED -->` is
# rendered by ci/render_docs.py (what each block runs is written there and in the block's
# first line).
#
#   bash ci/docs.sh           # rewrite the blocks in place
#   bash ci/docs.sh --check   # change nothing; print a diff and exit 1 when a block is stale
#
# The binary: $CMBENCH when set; else .build/debug/cmbench or .build/release/cmbench, whichever
# is newer than every source file (debug first, as ci/test.sh builds it); else a release build.
# Blocks of the real traces need ../shared/traces and are left as committed, with a message,
# where that folder is absent. Machine-dependent figures (wall times, speeds, fuzz counts) are
# hand-written in docs/performance.md and docs/robustness.md, never generated.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=()
case "${1:-}" in
  --check) mode=(--check) ;;
  "") ;;
  *) echo "usage: ci/docs.sh [--check]" >&2; exit 64 ;;
esac
command -v python3 >/dev/null 2>&1 || { echo "docs: python3 is missing (apt-get install python3)" >&2; exit 66; }

fresh() {
  # The binary exists and no source file, manifest or C shim is newer than it.
  [ -x "$1" ] && [ -z "$(find Sources Package.swift -newer "$1" -print -quit)" ]
}

if [ -n "${CMBENCH:-}" ]; then
  binary=$CMBENCH
  [ -x "$binary" ] || { echo "docs: CMBENCH=$binary is not an executable" >&2; exit 66; }
elif fresh .build/debug/cmbench; then
  binary=.build/debug/cmbench
elif fresh .build/release/cmbench; then
  binary=.build/release/cmbench
else
  echo "docs: no up-to-date cmbench binary; building release" >&2
  bash ci/stamp.sh
  swift build -c release --product cmbench >&2
  binary=.build/release/cmbench
fi
echo "docs: using $binary" >&2

exec python3 ci/render_docs.py --binary "$binary" --traces ../shared/traces "${mode[@]+"${mode[@]}"}"
