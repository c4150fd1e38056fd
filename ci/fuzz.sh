#!/usr/bin/env bash
# Builds the libFuzzer targets in Fuzz/ against the library modules (instrumented with
# -sanitize=fuzzer,address) and runs each for the given number of executions (default 20000, a
# short CI run; pass e.g. 5000000 for a long run). Crashes are saved under Fuzz/crashes/ and
# must become tests.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-20000}
build=.build-fuzz
swift build -c release --build-path "$build" --target TraceFormats \
  -Xswiftc -sanitize=fuzzer,address -Xswiftc -g >&2
release="$build/release"
objects=()
for module in DiscreteEvent ServingModel ZstdStream TraceFormats; do
  objects+=("$release/$module.build"/*.o)
done
mkdir -p "$build/bin" Fuzz/crashes
status=0
for target in Fuzz/Fuzz*.swift; do
  name=$(basename "$target" .swift)
  swiftc -O -sanitize=fuzzer,address -parse-as-library -g "$target" \
    -I "$release/Modules" -I Sources/CZstd "${objects[@]}" -lzstd -o "$build/bin/$name" 2> "$build/link-$name.log" \
    || { cat "$build/link-$name.log" >&2; exit 1; }
  corpus="Fuzz/corpus/$name"
  mkdir -p "$corpus"
  echo "fuzz: $name, $runs executions" >&2
  "$build/bin/$name" -runs="$runs" -max_len=8192 -timeout=10 -rss_limit_mb=1024 \
    -artifact_prefix=Fuzz/crashes/"$name"- "$corpus" Fuzz/seeds 2>&1 | tail -n 3 >&2 || status=$?
done
exit "$status"
