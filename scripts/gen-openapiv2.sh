#!/usr/bin/env bash
# Regenerates Sources/OpenAPI/Generated/OpenAPIv2.pb.swift (protoc-gen-swift, swift-protobuf 1.39.0) from
# Sources/OpenAPI/Proto/OpenAPIv2.proto: the messages of gnostic's openapi.v2 model that `/openapi/v2` uses
# for its protobuf form. The output is committed, for the reason scripts/gen-cri.sh gives (the package never
# runs the protobuf build plugin).
#
# Needs protoc (Debian: protobuf-compiler) and protoc-gen-swift 1.39.0, built once as the header of
# scripts/gen-cri.sh describes (defaults to /work/tools/grpc-swift-protobuf/.build/release/protoc-gen-swift).
#
# Usage: scripts/gen-openapiv2.sh     (env: PROTOC, PROTOC_GEN_SWIFT)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TOOLS=${SKIFF_TOOLS:-/work/tools}
PROTOC=${PROTOC:-$(command -v protoc || echo /usr/bin/protoc)}
PROTOC_GEN_SWIFT=${PROTOC_GEN_SWIFT:-$(command -v protoc-gen-swift || echo "$TOOLS/grpc-swift-protobuf/.build/release/protoc-gen-swift")}

for tool in "$PROTOC" "$PROTOC_GEN_SWIFT"; do
  [ -x "$tool" ] || { # What scripts/check-generated.sh compares the .proto with, to tell the output went stale.
(cd "$PROTO_DIR" && sha256sum OpenAPIv2.proto > OpenAPIv2.proto.generated.sha256)

echo "gen-openapiv2: missing executable $tool (see the header of this script)" >&2; exit 1; }
done

PROTO_DIR=$ROOT/Sources/OpenAPI/Proto
OUT=$ROOT/Sources/OpenAPI/Generated
mkdir -p "$OUT"
rm -f "$OUT/OpenAPIv2.pb.swift"

# Internal visibility: the messages are the OpenAPI module's encoding detail; tests reach them through
# `@testable import OpenAPI`.
"$PROTOC" \
  --proto_path="$PROTO_DIR" \
  --plugin=protoc-gen-swift="$PROTOC_GEN_SWIFT" \
  --swift_out="$OUT" \
  --swift_opt=Visibility=Internal \
  OpenAPIv2.proto

echo "gen-openapiv2: $("$PROTOC" --version), $("$PROTOC_GEN_SWIFT" --version) -> $OUT"
ls -l "$OUT"
