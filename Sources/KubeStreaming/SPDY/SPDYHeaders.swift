import NIOCore

/// The name/value pairs of a SYN_STREAM, SYN_REPLY or HEADERS frame, in order.
///
/// SPDY requires lower-case names (moby/spdystream rejects a block with an upper-case name, which ends the
/// session), so names are lower-cased on the way in. Several values of one name travel as one value joined
/// by NUL bytes, as the draft says; callers that need them split do so.
public struct SPDYHeaders: Sendable, Equatable, ExpressibleByDictionaryLiteral {
    public private(set) var fields: [(name: String, value: String)]

    public init(_ fields: [(String, String)] = []) {
        self.fields = fields.map { (name: $0.0.lowercased(), value: $0.1) }
    }

    public init(dictionaryLiteral elements: (String, String)...) {
        self.init(elements)
    }

    public mutating func add(_ name: String, _ value: String) {
        fields.append((name: name.lowercased(), value: value))
    }

    /// The value of `name` (compared case-insensitively, as HTTP names are).
    public subscript(_ name: String) -> String? {
        let lower = name.lowercased()
        return fields.first { $0.name == lower }?.value
    }

    public static func == (a: SPDYHeaders, b: SPDYHeaders) -> Bool {
        a.fields.count == b.fields.count && zip(a.fields, b.fields).allSatisfy { $0.name == $1.name && $0.value == $1.value }
    }

    /// The uncompressed block: a 32-bit count, then each name and value with a 32-bit length.
    func writeBlock(into buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt32(fields.count))
        for field in fields {
            buffer.writeInteger(UInt32(field.name.utf8.count))
            buffer.writeString(field.name)
            buffer.writeInteger(UInt32(field.value.utf8.count))
            buffer.writeString(field.value)
        }
    }

    /// Parses an uncompressed block; the whole buffer must be the block.
    static func readBlock(_ buffer: inout ByteBuffer) throws -> SPDYHeaders {
        guard let count = buffer.readInteger(as: UInt32.self) else { throw SPDYProtocolError("header block without a count") }
        var headers = SPDYHeaders()
        for _ in 0..<count {
            guard let nameLength = buffer.readInteger(as: UInt32.self),
                  let name = buffer.readString(length: Int(nameLength)),
                  let valueLength = buffer.readInteger(as: UInt32.self),
                  let value = buffer.readString(length: Int(valueLength))
            else { throw SPDYProtocolError("header block shorter than its count of \(count) pairs") }
            headers.fields.append((name: name, value: value))
        }
        guard buffer.readableBytes == 0 else { throw SPDYProtocolError("\(buffer.readableBytes) bytes after the header block") }
        return headers
    }
}

/// A peer broke the SPDY framing (or its compression); the session cannot go on.
public struct SPDYProtocolError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
