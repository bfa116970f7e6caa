#!/usr/bin/env bash
# Regenerates scripts/ordering/skiff.order, the order in which the release link places skiff's functions.
#   1. links the release build with scripts/ordering/subalign.ld: every function on a page of its own;
#   2. runs the seed's hands-on session (real nodes on containerd, the real kubectl) and then a simulated
#      cluster, with scripts/ordering/trace-pages.c preloaded: each skiff process logs the pages of code
#      it runs;
#   3. scripts/ordering/make-order.py turns the pages into function names, grouped by component.
# Needs root and what the seed session needs. Takes a release build's time plus a few minutes. Rerun it
# after large changes: functions it does not name are linked after the named ones, in the default order.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
SKIFF_ORDER_FILE=none scripts/build-release.sh -Xlinker -T -Xlinker "$ROOT/scripts/ordering/subalign.ld"
bin=$(swift build -c release --scratch-path "${SKIFF_SCRATCH:-.build}" --show-bin-path)/skiff
cp "$bin" "$work/skiff"
gcc -shared -fPIC -O2 -o "$work/libtrace-pages.so" scripts/ordering/trace-pages.c
mkdir "$work/traces"
trace() { TRACE_DIR=$work/traces LD_PRELOAD=$work/libtrace-pages.so SWIFT_BACKTRACE=enable=no "$@"; }
trace bash ../shared/acceptance/seed-tutorial.sh "$work/skiff" | tail -n 1 || true  # its step-7 check cannot pass (see docs)
export KUBECONFIG=$work/kubeconfig
trace "$work/skiff" create cluster --name skiff-order --runtime simulated --nodes 2 >/dev/null
kubectl create deployment order --image=nginx --replicas=4 >/dev/null
kubectl rollout status deployment/order --timeout=60s >/dev/null
sleep 20
trace "$work/skiff" delete cluster --name skiff-order
python3 scripts/ordering/make-order.py "$work/skiff" "$work/traces" > scripts/ordering/skiff.order
echo "wrote scripts/ordering/skiff.order ($(wc -l < scripts/ordering/skiff.order) symbols); now: scripts/build-release.sh"
