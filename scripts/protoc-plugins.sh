# Sourced by scripts/gen-cri.sh and scripts/gen-etcd.sh: finds protoc and the two Swift plugins and stops with
# a pointer to gen-cri.sh's header (how to build the plugins) when one is missing. Sets ROOT, PROTOC,
# PROTOC_GEN_SWIFT and PROTOC_GEN_GRPC_SWIFT; the caller sets GENERATOR (its name, for the message).
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TOOLS=${SKIFF_TOOLS:-/work/tools}
PROTOC=${PROTOC:-$(command -v protoc || echo /usr/bin/protoc)}
PROTOC_GEN_SWIFT=${PROTOC_GEN_SWIFT:-$(command -v protoc-gen-swift || echo "$TOOLS/grpc-swift-protobuf/.build/release/protoc-gen-swift")}
PROTOC_GEN_GRPC_SWIFT=${PROTOC_GEN_GRPC_SWIFT:-$(command -v protoc-gen-grpc-swift-2 || echo "$TOOLS/grpc-swift-protobuf/.build/release/protoc-gen-grpc-swift-2")}

for tool in "$PROTOC" "$PROTOC_GEN_SWIFT" "$PROTOC_GEN_GRPC_SWIFT"; do
  [ -x "$tool" ] || { echo "$GENERATOR: missing executable $tool (see the header of scripts/gen-cri.sh)" >&2; exit 1; }
done
