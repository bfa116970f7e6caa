#!/usr/bin/env bash
# Runs every test: Swift unit tests, the end-to-end tests that drive a real `skiff apiserver` with the
# real kubectl and the official Python client, then the seed tutorial on a `skiff create cluster` cluster.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
# Generated files must be what their generators give today (seconds; see the script).
scripts/check-generated.sh
swift build
# The release build's function order must not have gone stale (see the script).
scripts/check-order-file.sh .build/debug/skiff
# Full log kept; failures (with their reasons) and the summary printed.
log=$(mktemp)
if ! swift test > "$log" 2>&1; then
  grep -E "✘|recorded an issue|error:|Fatal" "$log" | head -n 80
  tail -n 5 "$log"
  exit 1
fi
grep -E "^✔ Test run|passed after" "$log" | tail -n 1
# The seed's hands-on session with the real kubectl; fails on any regression of tests/seed-expected-pass.txt.
SKIFF="$PWD/.build/debug/skiff" scripts/seed.sh
# The same session on a cluster whose API server keeps its objects in a supervised etcd (`--store etcd`),
# against the same list of checks.
SKIFF="$PWD/.build/debug/skiff" SKIFF_CREATE_ARGS="--store etcd" scripts/seed.sh
# Last, so that its summary closes the run.
SKIFF="$PWD/.build/debug/skiff" python3 -m pytest -q tests/e2e
