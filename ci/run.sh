#!/usr/bin/env bash
# The README's main command: installs what is missing, builds in release mode, and replays
# the trace the project ships (traces/default.csv.zst) through the default backend.
set -euo pipefail
cd "$(dirname "$0")/.."
bash ci/setup.sh
# The source revision and toolchain every output records (ci/stamp.sh).
bash ci/stamp.sh
swift build -c release --product cmbench
.build/release/cmbench replay traces/default.csv.zst "$@"
