#!/usr/bin/env bash
# Regenerates the Swift code of the CRI module from Sources/CRI/Proto/api.proto:
#   Sources/CRI/Generated/api.pb.swift    messages (protoc-gen-swift, swift-protobuf 1.39.0)
#   Sources/CRI/Generated/api.grpc.swift  RuntimeService/ImageService clients (protoc-gen-grpc-swift-2,
#                                         grpc-swift-protobuf 2.4.1; client stubs only, no server)
# The output is committed. The package never runs the protobuf build plugins: building swift-protobuf's
# plugin inside the package costs minutes on every clean build (and on every CI run), for code that changes
# only when api.proto does.
#
# Needs protoc (Debian: protobuf-compiler) and the two plugins. Build the plugins once from the local
# package mirror, in a checkout of grpc-swift-protobuf 2.4.1 (it pins swift-protobuf 1.39.0, whose
# protoc-gen-swift must match the SwiftProtobuf runtime the package depends on):
#   git clone -b 2.4.1 https://github.com/grpc/grpc-swift-protobuf.git && cd grpc-swift-protobuf
#   swift build -c release --product protoc-gen-swift
#   swift build -c release --product protoc-gen-grpc-swift-2
# Then point PROTOC_GEN_SWIFT / PROTOC_GEN_GRPC_SWIFT at .build/release/ (defaults below), or put them on PATH.
#
# Usage: scripts/gen-cri.sh     (env: PROTOC, PROTOC_GEN_SWIFT, PROTOC_GEN_GRPC_SWIFT)
set -euo pipefail
GENERATOR=gen-cri
source "$(dirname "$0")/protoc-plugins.sh"

PROTO_DIR=$ROOT/Sources/CRI/Proto
OUT=$ROOT/Sources/CRI/Generated
mkdir -p "$OUT"
rm -f "$OUT/api.pb.swift" "$OUT/api.grpc.swift"

"$PROTOC" \
  --proto_path="$PROTO_DIR" \
  --plugin=protoc-gen-swift="$PROTOC_GEN_SWIFT" \
  --plugin=protoc-gen-grpc-swift="$PROTOC_GEN_GRPC_SWIFT" \
  --swift_out="$OUT" \
  --swift_opt=Visibility=Public \
  --grpc-swift_out="$OUT" \
  --grpc-swift_opt=Visibility=Public,Client=true,Server=false \
  api.proto

# What scripts/check-generated.sh compares the .proto with, to tell the output went stale.
(cd "$PROTO_DIR" && sha256sum api.proto > api.proto.generated.sha256)

echo "gen-cri: $("$PROTOC" --version), $("$PROTOC_GEN_SWIFT" --version) -> $OUT"
ls -l "$OUT"
