/// Protobuf wire types (the low three bits of a field key).
enum ProtobufWireType: Int, Sendable {
    case varint = 0
    case fixed64 = 1
    case lengthDelimited = 2
    case startGroup = 3
    case endGroup = 4
    case fixed32 = 5
}

/// Reads protobuf's wire format from a byte range of a shared buffer.
///
/// Nested messages are handed around as index ranges into the one buffer, so decoding a body never
/// copies it. Errors match gogo-protobuf's generated decoders, which is what upstream's API server uses.
struct ProtobufWireReader {
    let bytes: [UInt8]
    private(set) var position: Int
    let end: Int

    init(bytes: [UInt8], range: Range<Int>) {
        self.bytes = bytes
        position = range.lowerBound
        end = range.upperBound
    }

    var isAtEnd: Bool { position >= end }

    mutating func readVarint() throws(KubeProtobufError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            // A varint has at most 10 bytes; a longer one cannot be an integer (gogo: ErrIntOverflow).
            guard shift < 64 else { throw .integerOverflow }
            guard position < end else { throw .unexpectedEOF }
            let b = bytes[position]
            position += 1
            result |= UInt64(b & 0x7F) << shift
            if b < 0x80 { return result }
            shift += 7
        }
    }

    /// The next field's number and wire type. `message` names the message being read, for errors.
    mutating func readKey(in message: String) throws(KubeProtobufError) -> (field: Int, wireType: ProtobufWireType) {
        let key = try readVarint()
        let rawWireType = Int(key & 7)
        let field = key >> 3
        guard let wireType = ProtobufWireType(rawValue: rawWireType), wireType != .endGroup else {
            throw KubeProtobufError("proto: \(message): wiretype end group for non-group")
        }
        guard field > 0, field <= UInt64(Int32.max) else {
            throw KubeProtobufError("proto: \(message): illegal tag \(field) (wire type \(rawWireType))")
        }
        return (Int(field), wireType)
    }

    /// A length-delimited payload (string, bytes, sub-message, packed list), as a range of `bytes`.
    mutating func readLengthDelimited() throws(KubeProtobufError) -> Range<Int> {
        let length = try readVarint()
        guard length <= UInt64(Int64.max) else { throw .negativeLength }
        guard length <= UInt64(end - position) else { throw .unexpectedEOF }
        let start = position
        position += Int(length)
        return start..<position
    }

    mutating func readFixed32() throws(KubeProtobufError) -> UInt32 {
        guard end - position >= 4 else { throw .unexpectedEOF }
        var v: UInt32 = 0
        for i in 0..<4 { v |= UInt32(bytes[position + i]) << (8 * UInt32(i)) }
        position += 4
        return v
    }

    mutating func readFixed64() throws(KubeProtobufError) -> UInt64 {
        guard end - position >= 8 else { throw .unexpectedEOF }
        var v: UInt64 = 0
        for i in 0..<8 { v |= UInt64(bytes[position + i]) << (8 * UInt64(i)) }
        position += 8
        return v
    }

    /// Skips a field this decoder has no use for (as gogo's skipGenerated does for unknown fields).
    mutating func skip(_ wireType: ProtobufWireType, in message: String) throws(KubeProtobufError) {
        switch wireType {
        case .varint: _ = try readVarint()
        case .fixed64: _ = try readFixed64()
        case .fixed32: _ = try readFixed32()
        case .lengthDelimited: _ = try readLengthDelimited()
        case .startGroup:
            // Kubernetes messages never use groups; skip to the matching end group like gogo does.
            var depth = 1
            while depth > 0 {
                let key = try readVarint()
                switch ProtobufWireType(rawValue: Int(key & 7)) {
                case .startGroup: depth += 1
                case .endGroup: depth -= 1
                case .varint: _ = try readVarint()
                case .fixed64: _ = try readFixed64()
                case .fixed32: _ = try readFixed32()
                case .lengthDelimited: _ = try readLengthDelimited()
                case nil: throw KubeProtobufError("proto: illegal wireType \(key & 7)")
                }
            }
        case .endGroup:
            throw KubeProtobufError("proto: \(message): wiretype end group for non-group")
        }
    }
}
