#!/usr/bin/env bash
# Builds Skiff and starts an API server with the embedded SQLite store on 127.0.0.1:6443 (plain HTTP),
# writing a kubeconfig for it. Stop it with: kill $(cat .skiff/apiserver.pid)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift build -c release
mkdir -p .skiff
PORT=${PORT:-6443}
./.build/release/skiff apiserver --data-dir "$PWD/.skiff/data" --port "$PORT" > .skiff/apiserver.log 2>&1 &
echo $! > .skiff/apiserver.pid
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
cat > .skiff/kubeconfig <<KC
apiVersion: v1
kind: Config
clusters: [{name: skiff, cluster: {server: "http://127.0.0.1:$PORT"}}]
contexts: [{name: skiff, context: {cluster: skiff, user: skiff, namespace: default}}]
current-context: skiff
users: [{name: skiff, user: {}}]
KC
echo "API server running (pid $(cat .skiff/apiserver.pid)); use: export KUBECONFIG=$PWD/.skiff/kubeconfig"
