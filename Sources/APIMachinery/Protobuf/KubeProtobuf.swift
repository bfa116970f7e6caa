import Foundation

/// Reads request bodies sent as `application/vnd.kubernetes.protobuf`.
///
/// kubectl 1.32's typed clients (`kubectl create configmap|secret|deployment|...`, `kubectl autoscale`,
/// `kubectl create token`) send protobuf with no JSON fallback. Skiff keeps objects as JSON, so the body
/// is decoded straight into the JSON the client would have sent for the same object. Responses stay JSON.
///
/// Wire form: the 4 bytes `k8s\0`, then a runtime.Unknown message {1: typeMeta {1: apiVersion, 2: kind},
/// 2: raw (the object's own message), 3: contentEncoding, 4: contentType}.
public enum KubeProtobuf {
    public static let mediaType = "application/vnd.kubernetes.protobuf"
    static let magic: [UInt8] = [0x6B, 0x38, 0x73, 0x00]

    /// Decodes a protobuf body into a JSON object with `apiVersion` and `kind` from its envelope.
    public static func decode(_ data: Data) throws -> JSON {
        try decode(data, defaultAPIVersion: nil, defaultKind: nil)
    }

    /// As `decode(_:)`; an envelope without kind or apiVersion takes the endpoint's (upstream's
    /// copyKindDefaults: kind alone, and apiVersion only when the body has none).
    /// Throws `KubeProtobufError`, to be answered with 400 BadRequest.
    public static func decode(_ data: Data, defaultAPIVersion: String?, defaultKind: String?) throws -> JSON {
        let table = try ProtobufFieldTable.bundled.get()
        return try decode([UInt8](data), table: table, defaultAPIVersion: defaultAPIVersion, defaultKind: defaultKind, depth: 0)
    }

    static func decode(_ bytes: [UInt8], table: ProtobufFieldTable, defaultAPIVersion: String? = nil, defaultKind: String? = nil, depth: Int) throws -> JSON {
        // The same checks, in the same order and words, as upstream's protobuf Serializer.Decode.
        if bytes.isEmpty { throw KubeProtobufError("empty data") }
        guard bytes.starts(with: magic) else {
            throw KubeProtobufError("provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]")
        }
        if bytes.count == magic.count { throw KubeProtobufError("empty body") }

        let envelope = try Envelope(bytes: bytes, range: magic.count..<bytes.count)
        var apiVersion = envelope.apiVersion
        var kind = envelope.kind
        if kind.isEmpty, let defaultKind { kind = defaultKind }
        if apiVersion.isEmpty, let defaultAPIVersion, !defaultAPIVersion.isEmpty { apiVersion = defaultAPIVersion }
        let typeMeta = "runtime.TypeMeta{APIVersion:\(goQuote(envelope.apiVersion)), Kind:\(goQuote(envelope.kind))}"
        if kind.isEmpty { throw KubeProtobufError("Object 'Kind' is missing in '\(typeMeta)'") }
        if apiVersion.isEmpty { throw KubeProtobufError("Object 'apiVersion' is missing in '\(typeMeta)'") }

        guard let message = table.message(apiVersion: apiVersion, kind: kind) else {
            throw KubeProtobufError("no kind \"\(kind)\" is registered for version \"\(apiVersion)\"")
        }
        let decoder = ProtobufObjectDecoder(table: table, bytes: bytes)
        var object = try decoder.decode(message, ranges: envelope.raw.map { [$0] } ?? [], depth: depth)
        object["apiVersion"] = .string(apiVersion)
        object["kind"] = .string(kind)
        return object
    }

    /// The content of a RawExtension or FieldsV1: a nested protobuf object, or JSON.
    static func decodeEmbedded(_ raw: Data, table: ProtobufFieldTable, depth: Int) throws -> JSON {
        let bytes = [UInt8](raw)
        if bytes.starts(with: magic) {
            guard depth <= ProtobufObjectDecoder.maxDepth else { throw KubeProtobufError("proto: exceeded maximum nesting depth") }
            return try decode(bytes, table: table, depth: depth)
        }
        do {
            return try JSON.parse(raw)
        } catch {
            throw KubeProtobufError("embedded object is neither JSON nor protobuf: \(error)")
        }
    }

    /// Go's %#v of a string, as in upstream's missing-kind message.
    private static func goQuote(_ s: String) -> String {
        "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    /// The runtime.Unknown wrapper of every protobuf body.
    struct Envelope {
        var apiVersion = ""
        var kind = ""
        /// The object's message; nil when the envelope has no raw field (an object with every field unset).
        var raw: Range<Int>?
        var contentEncoding = ""
        var contentType = ""

        init(bytes: [UInt8], range: Range<Int>) throws {
            var r = ProtobufWireReader(bytes: bytes, range: range)
            while !r.isAtEnd {
                let (field, wireType) = try r.readKey(in: "Unknown")
                guard (1...4).contains(field) else {
                    try r.skip(wireType, in: "Unknown")
                    continue
                }
                let names = ["", "TypeMeta", "Raw", "ContentEncoding", "ContentType"]
                guard wireType == .lengthDelimited else { throw KubeProtobufError.wrongWireType(wireType.rawValue, field: names[field]) }
                let value = try r.readLengthDelimited()
                switch field {
                case 1: try readTypeMeta(bytes: bytes, range: value)
                case 2: raw = value
                case 3: contentEncoding = String(decoding: bytes[value], as: UTF8.self)
                default: contentType = String(decoding: bytes[value], as: UTF8.self)
                }
            }
        }

        private mutating func readTypeMeta(bytes: [UInt8], range: Range<Int>) throws {
            var r = ProtobufWireReader(bytes: bytes, range: range)
            while !r.isAtEnd {
                let (field, wireType) = try r.readKey(in: "TypeMeta")
                guard field == 1 || field == 2 else {
                    try r.skip(wireType, in: "TypeMeta")
                    continue
                }
                guard wireType == .lengthDelimited else {
                    throw KubeProtobufError.wrongWireType(wireType.rawValue, field: field == 1 ? "APIVersion" : "Kind")
                }
                let text = String(decoding: bytes[try r.readLengthDelimited()], as: UTF8.self)
                if field == 1 { apiVersion = text } else { kind = text }
            }
        }
    }
}
