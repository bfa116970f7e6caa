#!/usr/bin/env bash
# Runs every test: Swift unit tests, then the end-to-end tests that drive a real `skiff apiserver` with the
# real kubectl and the official Python client.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift build
swift test 2>&1 | tail -n 40
SKIFF="$PWD/.build/debug/skiff" python3 -m pytest -q tests/e2e
