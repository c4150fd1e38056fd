#!/usr/bin/env bash
# Records what a build is built from, for the provenance in every cmbench output: the source
# revision (`git rev-parse HEAD`, `-dirty` when `git status` lists a change or an untracked file)
# and the toolchain (the first line of `swift --version`).
#
#   bash ci/stamp.sh DIR [SWIFTC]
#                          writes DIR/BuildStamp+Generated.swift (the toolchain from SWIFTC
#                          --version when given: the plugin passes the build's own compiler). SwiftPM runs this before every
#                          build of CMBenchCLI (Plugins/BuildStamp), so even a plain `swift build`
#                          is stamped with the truth. The file is rewritten only when its content
#                          changes, so an unchanged tree does not rebuild.
#   bash ci/stamp.sh       prints the stamp a build now would get (the build scripts log it), and
#                          removes the in-tree stamp older checkouts had (it would now be compiled
#                          twice).
#
# Outside a git checkout of this package (a tarball, a copy) the revision is "unknown". Why a
# compiled-in stamp and not a look at .git at run time: see BuildStamp.swift.
set -euo pipefail
cd "$(dirname "$0")/.."

revision=unknown
# Only this package's own repository: not one that happens to contain the folder.
if top=$(git rev-parse --show-toplevel 2>/dev/null) && [ "$(cd "$top" && pwd -P)" = "$(pwd -P)" ]; then
  revision=$(git rev-parse HEAD)
  if [ -n "$(git status --porcelain)" ]; then revision="$revision-dirty"; fi
fi
compiler=${2:-swift}
toolchain=$("$compiler" --version 2>/dev/null | head -n 1 || true)
[ -n "$toolchain" ] || toolchain=unknown

if [ $# -eq 0 ]; then
  rm -f Sources/CMBenchCLI/Provenance/BuildStamp+Generated.swift
  echo "stamp: $revision, $toolchain" >&2
  exit 0
fi

out=$1/BuildStamp+Generated.swift
mkdir -p "$1"
quote() { printf '"%s"' "$(printf '%s' "$1" | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g')"; }
content="// Written by ci/stamp.sh before the build (Plugins/BuildStamp); not in git. See BuildStamp.swift.
extension BuildStamp {
    static var sourceRevision: String { $(quote "$revision") }
    static var toolchain: String { $(quote "$toolchain") }
}"
if [ ! -f "$out" ] || [ "$(cat "$out")" != "$content" ]; then
  printf '%s\n' "$content" > "$out"
fi
