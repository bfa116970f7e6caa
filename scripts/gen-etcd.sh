#!/usr/bin/env bash
# Regenerates the Swift code of the EtcdStorage module from Sources/EtcdStorage/Proto/{rpc,kv}.proto (the part of
# etcd's v3 API the etcd store speaks: KV, Watch, Lease, Maintenance.Status):
#   Sources/EtcdStorage/Generated/{rpc,kv}.pb.swift  messages (protoc-gen-swift, swift-protobuf 1.39.0)
#   Sources/EtcdStorage/Generated/rpc.grpc.swift     KV/Watch/Lease/Maintenance clients (protoc-gen-grpc-swift-2,
#                                                    grpc-swift-protobuf 2.4.1; client stubs only, no server)
# The output is committed, as gen-cri.sh's is, and for the same reason: the package never runs the protobuf build
# plugins. The plugins and protoc come as gen-cri.sh's header explains (Debian: protobuf-compiler; the plugins built
# from the local package mirror's grpc-swift-protobuf 2.4.1 into $SKIFF_TOOLS/grpc-swift-protobuf).
#
# Usage: scripts/gen-etcd.sh     (env: PROTOC, PROTOC_GEN_SWIFT, PROTOC_GEN_GRPC_SWIFT, SKIFF_TOOLS)
set -euo pipefail
GENERATOR=gen-etcd
source "$(dirname "$0")/protoc-plugins.sh"

PROTO_DIR=$ROOT/Sources/EtcdStorage/Proto
OUT=$ROOT/Sources/EtcdStorage/Generated
mkdir -p "$OUT"
rm -f "$OUT"/*.swift

# Messages of both files; services only in rpc.proto (kv.proto has none).
"$PROTOC" \
  --proto_path="$PROTO_DIR" \
  --plugin=protoc-gen-swift="$PROTOC_GEN_SWIFT" \
  --plugin=protoc-gen-grpc-swift="$PROTOC_GEN_GRPC_SWIFT" \
  --swift_out="$OUT" \
  --swift_opt=Visibility=Public \
  --grpc-swift_out="$OUT" \
  --grpc-swift_opt=Visibility=Public,Client=true,Server=false \
  kv.proto rpc.proto
# A file with no service gets an empty .grpc.swift: not worth committing.
rm -f "$OUT/kv.grpc.swift"

# What scripts/check-generated.sh compares the .proto files with, to tell the output went stale.
(cd "$PROTO_DIR" && sha256sum kv.proto > kv.proto.generated.sha256 && sha256sum rpc.proto > rpc.proto.generated.sha256)

echo "gen-etcd: $("$PROTOC" --version), $("$PROTOC_GEN_SWIFT" --version) -> $OUT"
ls -l "$OUT"
