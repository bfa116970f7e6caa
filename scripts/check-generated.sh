#!/usr/bin/env bash
# Fails when a committed generated file is not what its generator gives today (run by scripts/test.sh).
#
# - The Python generators (definitions.json, protobuf-fields.json, json-field-order.txt, the kubectl protobuf
#   fixtures) are run again into a temporary folder and compared byte for byte: a few seconds each.
# - The protoc generators (gen-cri.sh, gen-etcd.sh, gen-openapiv2.sh) need plugins whose build takes about ten minutes, so by
#   default each .proto's sha256 is compared with the one its generator recorded beside the output
#   (Sources/*/Proto/*.proto.generated.sha256): editing a .proto without regenerating fails. `--full` builds the
#   plugins from the local package mirror (grpc-swift-protobuf 2.4.1) and regenerates, then diffs.
#
# Needs: python3, pip (kubernetes-validate==1.37.0, installed here when missing), the kubectl 1.32 Go binary
# at $KUBECTL_132 (default /usr/lib/google-cloud-sdk/bin/kubectl.1.32; the checks that read it are skipped,
# saying so, where it is absent).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
KUBECTL_132=${KUBECTL_132:-/usr/lib/google-cloud-sdk/bin/kubectl.1.32}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0

same() {  # same GENERATED FRESH WHAT
  if cmp -s "$1" "$2"; then echo "generated: $1 is up to date"
  else echo "generated: $1 differs from what $3 gives now (regenerate it and commit)"; failed=1; fi
}

python3 -c "import kubernetes_validate" 2>/dev/null || python3 -m pip install -q kubernetes-validate==1.37.0 >/dev/null
python3 scripts/gen-definitions.py --output "$tmp/definitions.json" >/dev/null
same Sources/APIMachinery/Resources/definitions.json "$tmp/definitions.json" scripts/gen-definitions.py

if [ -x "$KUBECTL_132" ]; then
  python3 scripts/gen-protobuf-fields.py "$KUBECTL_132" "$tmp/protobuf-fields.json" "$tmp/json-field-order.txt" >/dev/null
  same Sources/APIMachinery/Resources/protobuf-fields.json "$tmp/protobuf-fields.json" scripts/gen-protobuf-fields.py
  same Sources/APIMachinery/Resources/json-field-order.txt "$tmp/json-field-order.txt" scripts/gen-protobuf-fields.py
  python3 scripts/gen-protobuf-fixtures.py "$KUBECTL_132" "$tmp/fixtures.swift" >/dev/null
  same SwiftTests/APIMachineryTests/KubectlProtobufFixtures.swift "$tmp/fixtures.swift" scripts/gen-protobuf-fixtures.py
else
  echo "generated: $KUBECTL_132 is missing; protobuf-fields.json, json-field-order.txt and the fixtures not checked"
fi

if [ "${1:-}" = "--full" ]; then
  tools=${SKIFF_TOOLS:-$ROOT/.build-tools}
  if [ ! -x "$tools/grpc-swift-protobuf/.build/release/protoc-gen-grpc-swift-2" ]; then
    command -v protoc >/dev/null || apt-get install -y -qq protobuf-compiler >/dev/null
    rm -rf "$tools/grpc-swift-protobuf"
    git clone -q -b 2.4.1 /opt/swift-packages/grpc/grpc-swift-protobuf.git "$tools/grpc-swift-protobuf"
    (cd "$tools/grpc-swift-protobuf" && swift build -c release --product protoc-gen-swift >/dev/null \
      && swift build -c release --product protoc-gen-grpc-swift-2 >/dev/null)
  fi
  SKIFF_TOOLS=$tools scripts/gen-cri.sh >/dev/null
  SKIFF_TOOLS=$tools scripts/gen-etcd.sh >/dev/null
  SKIFF_TOOLS=$tools scripts/gen-openapiv2.sh >/dev/null
  if git diff --quiet -- Sources/CRI/Generated Sources/EtcdStorage/Generated Sources/OpenAPI/Generated; then
    echo "generated: the protoc outputs are up to date"
  else
    git diff --stat -- Sources/CRI/Generated Sources/EtcdStorage/Generated Sources/OpenAPI/Generated
    echo "generated: the protoc outputs differ from what the generators give now"; failed=1
  fi
else
  for stamp in Sources/CRI/Proto/*.generated.sha256 Sources/EtcdStorage/Proto/*.generated.sha256 Sources/OpenAPI/Proto/*.generated.sha256; do
    proto=$(basename "$stamp" .generated.sha256)
    if (cd "$(dirname "$stamp")" && sha256sum --quiet -c "$(basename "$stamp")"); then
      echo "generated: $proto unchanged since its Swift code was generated"
    else
      echo "generated: $(dirname "$stamp")/$proto changed since its Swift code was generated (run its gen script)"; failed=1
    fi
  done
fi
exit $failed
