import Foundation

/// Builds protobuf wire bytes by hand, so tests can send exactly the bytes a case needs (including
/// malformed ones) without depending on the decoder under test.
struct ProtobufTestEncoder {
    var bytes: [UInt8] = []

    static func varintBytes(_ v: UInt64) -> [UInt8] {
        var v = v
        var out: [UInt8] = []
        while v >= 0x80 {
            out.append(UInt8(v & 0x7F) | 0x80)
            v >>= 7
        }
        out.append(UInt8(v))
        return out
    }

    mutating func key(_ field: Int, _ wireType: Int) {
        bytes += Self.varintBytes(UInt64(field << 3 | wireType))
    }

    mutating func varint(_ field: Int, _ v: Int64) {
        key(field, 0)
        bytes += Self.varintBytes(UInt64(bitPattern: v))
    }

    mutating func bytes(_ field: Int, _ data: [UInt8]) {
        key(field, 2)
        bytes += Self.varintBytes(UInt64(data.count)) + data
    }

    mutating func string(_ field: Int, _ s: String) { bytes(field, Array(s.utf8)) }

    mutating func message(_ field: Int, _ build: (inout ProtobufTestEncoder) -> Void) {
        var inner = ProtobufTestEncoder()
        build(&inner)
        bytes(field, inner.bytes)
    }

    /// A map<string, string> entry.
    mutating func mapEntry(_ field: Int, _ key: String, _ value: String) {
        message(field) { $0.string(1, key); $0.string(2, value) }
    }

    /// The `k8s\0` + runtime.Unknown body a Kubernetes client sends.
    static func body(apiVersion: String, kind: String, _ build: (inout ProtobufTestEncoder) -> Void) -> Data {
        var object = ProtobufTestEncoder()
        build(&object)
        var unknown = ProtobufTestEncoder()
        unknown.message(1) { $0.string(1, apiVersion); $0.string(2, kind) }
        unknown.bytes(2, object.bytes)
        return Data([0x6B, 0x38, 0x73, 0x00] + unknown.bytes)
    }
}
