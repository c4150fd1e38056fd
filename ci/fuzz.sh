#!/usr/bin/env bash
# Builds the libFuzzer targets in Fuzz/ against the library modules (instrumented with
# -sanitize=fuzzer,address) and runs each for the given number of executions (default 20000, a
# short CI run; pass e.g. 5000000 for a long run). A second argument runs only that target
# (e.g. FuzzConfigLoader). Seeds are in Fuzz/seeds/<target>/; the growing corpus in
# Fuzz/corpus/<target>/ (not in git). Crashes are saved under Fuzz/crashes/ and must become tests.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-20000}
only=${2:-}
build=.build-fuzz
for module in TraceFormats DisaggregatedServing; do  # and what they depend on
  swift build -c release --build-path "$build" --target "$module" \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -g >&2
done
release="$build/release"

# The library modules each target links (innermost first), and its longest input: the
# configuration seeds are up to 8 KB, so that target gets room to grow them.
modules_for() {
  case "$1" in
    FuzzConfigLoader) echo Digest DiscreteEvent Serving SystemDescription CostModel DisaggregatedServing ;;
    *) echo Digest DiscreteEvent Serving ZstdStream FileOutput TraceFormats ;;
  esac
}
max_len_for() {
  case "$1" in
    FuzzConfigLoader) echo 16384 ;;
    *) echo 8192 ;;
  esac
}
# LeakSanitizer is off for the configuration target: Foundation's file and JSON caches held by
# the target's reference globals are reported as leaks on the first input (false positives, as
# in the ASan test run); AddressSanitizer's memory-error checks stay on.
asan_options_for() {
  case "$1" in
    FuzzConfigLoader) echo detect_leaks=0 ;;
    *) echo "${ASAN_OPTIONS:-}" ;;
  esac
}

mkdir -p "$build/bin" Fuzz/crashes
status=0
for target in Fuzz/Fuzz*.swift; do
  name=$(basename "$target" .swift)
  [[ -z "$only" || "$only" == "$name" ]] || continue
  objects=()
  for module in $(modules_for "$name"); do
    # The objects of the module's current sources only: a folder built before a file moved to
    # another module still holds its old object, which would be linked twice.
    while IFS= read -r source; do
      objects+=("$release/$module.build/$(basename "$source").o")
    done < <(find "Sources/$module" -name '*.swift')
  done
  swiftc -O -sanitize=fuzzer,address -parse-as-library -g "$target" \
    -I "$release/Modules" -I Sources/CZstd -I Sources/COpenSSL "${objects[@]}" -lzstd -lcrypto -o "$build/bin/$name" 2> "$build/link-$name.log" \
    || { cat "$build/link-$name.log" >&2; exit 1; }
  corpus="Fuzz/corpus/$name"
  mkdir -p "$corpus"
  echo "fuzz: $name, $runs executions" >&2
  ASAN_OPTIONS="$(asan_options_for "$name")" \
  "$build/bin/$name" -runs="$runs" -max_len="$(max_len_for "$name")" -timeout=10 -rss_limit_mb=1024 \
    -artifact_prefix=Fuzz/crashes/"$name"- "$corpus" "Fuzz/seeds/$name" 2>&1 | tail -n 3 >&2 || status=$?
done
exit "$status"
