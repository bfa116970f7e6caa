#!/usr/bin/env bash
# Runs the seed's hands-on session (../shared/acceptance/seed-tutorial.sh) against this build of skiff and
# fails if any check listed in tests/seed-expected-pass.txt did not pass. That list only ever grows: a
# check that passes for the first time is reported so it can be added.
#   SKIFF_CREATE_ARGS  extra flags for `skiff create cluster` (default: none — real nodes on containerd)
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
SKIFF=${SKIFF:-$ROOT/.build/debug/skiff}
TUTORIAL=${SEED_TUTORIAL:-$ROOT/../shared/acceptance/seed-tutorial.sh}
EXPECTED=$ROOT/tests/seed-expected-pass.txt
[ -x "$TUTORIAL" ] || [ -f "$TUTORIAL" ] || { echo "seed tutorial not found at $TUTORIAL"; exit 1; }
export SKIFF_CREATE_ARGS=${SKIFF_CREATE_ARGS:-}
out=$(mktemp)
bash "$TUTORIAL" "$SKIFF" 2>&1 | tee "$out"
# Check names with the random pod name of step 3 normalised.
norm() { sed -E 's/nginx-deployment-[a-z0-9]+-[a-z0-9]+/nginx-deployment-POD/g; s/ \(gave up after [0-9]+s\)//'; }
grep -E '^  ok   ' "$out" | sed -E 's/^  ok   //' | norm | sort -u > "$out.passed"
missing=$(grep -v '^#' "$EXPECTED" | grep -v '^$' | norm | sort -u | comm -23 - "$out.passed")
new=$(comm -13 <(grep -v '^#' "$EXPECTED" | grep -v '^$' | norm | sort -u) "$out.passed")
if [ -n "$new" ]; then
  echo "seed: checks passing that are not yet in tests/seed-expected-pass.txt:"
  echo "$new" | sed 's/^/  + /'
fi
rm -f "$out" "$out.passed"
if [ -n "$missing" ]; then
  echo "seed: REGRESSION: checks expected to pass did not:"
  echo "$missing" | sed 's/^/  - /'
  exit 1
fi
echo "seed: every expected check passed"
