#!/usr/bin/env bash
# Records what a build is built from, for the provenance in every cmbench output: writes
# Sources/CMBenchCLI/Provenance/BuildStamp+Generated.swift (ignored by git) with the source
# revision (`git rev-parse HEAD`, `-dirty` when `git status` lists a change or an untracked file)
# and the toolchain (the first line of `swift --version`). Run before `swift build`; the build
# scripts do. The file is rewritten only when its content changes, so an unchanged tree does not
# rebuild. Outside a git checkout of this package (a tarball, a copy) the revision is "unknown".
# Why a compiled-in stamp and not a look at .git at run time: see BuildStamp.swift.
set -euo pipefail
cd "$(dirname "$0")/.."
out=Sources/CMBenchCLI/Provenance/BuildStamp+Generated.swift

revision=unknown
# Only this package's own repository: not one that happens to contain the folder.
if top=$(git rev-parse --show-toplevel 2>/dev/null) && [ "$(cd "$top" && pwd -P)" = "$(pwd -P)" ]; then
  revision=$(git rev-parse HEAD)
  if [ -n "$(git status --porcelain)" ]; then revision="$revision-dirty"; fi
fi
toolchain=$(swift --version 2>/dev/null | head -n 1 || true)
[ -n "$toolchain" ] || toolchain=unknown

quote() { printf '"%s"' "$(printf '%s' "$1" | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g')"; }
content="// Written by ci/stamp.sh before the build; not in git. See BuildStamp.swift.
extension BuildStamp {
    static var sourceRevision: String { $(quote "$revision") }
    static var toolchain: String { $(quote "$toolchain") }
}"
if [ ! -f "$out" ] || [ "$(cat "$out")" != "$content" ]; then
  printf '%s\n' "$content" > "$out"
fi
echo "stamp: $revision, $toolchain" >&2
