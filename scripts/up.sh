#!/usr/bin/env bash
# Builds Skiff (release) and brings up a working cluster named "skiff" with one real node (containerd), with
# the tutorial's offline images loaded; kubectl's context becomes skiff-skiff. With PLAIN=1 it starts only an API server on 127.0.0.1:${PORT:-6443} (plain
# HTTP, embedded SQLite store) and writes .skiff/kubeconfig; stop that one with: kill $(cat .skiff/apiserver.pid)
set -euo pipefail
cd "$(dirname "$0")/.."
# Each step prints how long it took, and the whole run its total, so that a slow first hour shows where.
started=$SECONDS
step() {
  local name=$1 t=$SECONDS
  shift
  "$@"
  echo "up.sh: $name took $((SECONDS - t)) s" >&2
}
step "installing dependencies" scripts/install-deps.sh
step "building skiff (release)" scripts/build-release.sh
SKIFF=$PWD/bin/skiff
if [ "${PLAIN:-}" != 1 ]; then
  # shellcheck disable=SC2086
  step "creating the cluster" "$SKIFF" create cluster --name "${NAME:-skiff}" ${CREATE_ARGS:-}
  images=${SKIFF_IMAGES:-/var/cache/skiff-images}
  if [ -f ../shared/images/build-images.sh ] && [ ! -f "$images/nginx-alpine.oci.tar" ]; then
    step "building the tutorial's images" bash ../shared/images/build-images.sh "$images" >/dev/null
  fi
  if [ -f "$images/nginx-alpine.oci.tar" ]; then
    step "loading the images" "$SKIFF" load image-archive "$images/nginx-alpine.oci.tar" "$images/busybox.oci.tar" --name "${NAME:-skiff}"
  fi
  echo "up.sh: ready in $((SECONDS - started)) s"
  exit 0
fi
mkdir -p .skiff
PORT=${PORT:-6443}
"$SKIFF" apiserver --data-dir "$PWD/.skiff/data" --port "$PORT" > .skiff/apiserver.log 2>&1 &
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
