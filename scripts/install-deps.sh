#!/usr/bin/env bash
# Installs what building and testing Skiff needs on a fresh Debian machine (idempotent, quiet when done).
#   Debian: libsqlite3-dev (GRDB links the system SQLite), zlib1g-dev (SPDY header compression); for real
#           nodes (`create cluster`, runtime containerd): containerd runc containernetworking-plugins iproute2 nftables conntrack procps
#           util-linux, iptables (the CNI portmap plugin: pods' hostPorts), gcc libc6-dev (the pause image is compiled offline),
#           busybox-static (tests' images, ping), etcd-server etcd-client (the etcd store: `--storage etcd`, its
#           conformance suite and `create cluster --store etcd` run a real etcd; etcdctl to look inside it)
#   PyPI:   kubernetes (the official client the tests drive), pytest
set -euo pipefail
need_apt=()
for p in libsqlite3-dev zlib1g-dev containerd runc containernetworking-plugins iproute2 nftables conntrack procps util-linux iptables \
         gcc libc6-dev busybox-static etcd-server etcd-client; do
  dpkg -s "$p" >/dev/null 2>&1 || need_apt+=("$p")
done
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "installing Debian packages: ${need_apt[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi
python3 -c "import kubernetes, pytest" 2>/dev/null || python3 -m pip install -q kubernetes pytest
command -v kubectl >/dev/null || { echo "kubectl is required on PATH (kubectl 1.32)"; exit 1; }
