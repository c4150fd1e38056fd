#!/usr/bin/env bash
# Installs what cmbench needs to build and check on a fresh Debian machine with the Swift toolchain.
# Idempotent: installs only what is missing. SwiftPM's `providers:` only prints a hint, so
# this script is what actually installs the C libraries.
set -euo pipefail

# python3: ci/docs.sh and other check scripts only; time: ci/live-overhead.sh's CPU figure.
needed=(libzstd-dev libsqlite3-dev libssl-dev libcurl4-openssl-dev pkg-config zstd python3 time)
missing=()
for package in "${needed[@]}"; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "ci/setup.sh: installing ${missing[*]}" >&2
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq >&2 || true
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

command -v swift >/dev/null 2>&1 || { echo "ci/setup.sh: swift is not on PATH (install the Swift 6 toolchain)" >&2; exit 1; }
