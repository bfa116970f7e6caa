import Foundation

/// Turns a Kubernetes protobuf message into the JSON that encoding/json would print for the same Go struct.
///
/// A client builds its protobuf body from a Go struct, and `kubectl ... -o json` prints that struct with
/// encoding/json, so the JSON a body stands for follows Go's rules, not protobuf's JSON mapping:
/// gogo writes every non-pointer field (so a zero string on the wire usually means "unset" and `omitempty`
/// drops it), writes pointer fields only when set (so `replicas: 0` stays), prints absent slices and maps as
/// `null` unless `omitempty`, prints non-pointer structs always (`"resources": {}`), flattens embedded structs,
/// and uses the hand-written JSON of Time, Quantity, IntOrString and friends.
struct ProtobufObjectDecoder {
    let table: ProtobufFieldTable
    let bytes: [UInt8]

    /// Deeper nesting than any Kubernetes object has; bounds recursion on hostile input.
    static let maxDepth = 100

    /// Everything read for one message before it is turned into JSON.
    private struct Collected {
        var scalars: [Int: JSON] = [:]
        var lists: [Int: [JSON]] = [:]
        var messageRanges: [Int: [Range<Int>]] = [:]
        var maps: [Int: [String: JSON]] = [:]
    }

    /// Decodes `message` from the concatenation of `ranges` (protobuf merges repeated occurrences of a
    /// singular message field, which is what gogo's generated Unmarshal does too).
    func decode(_ message: ProtobufMessage, ranges: [Range<Int>], depth: Int = 0) throws -> JSON {
        guard depth <= Self.maxDepth else { throw KubeProtobufError("proto: exceeded maximum nesting depth") }
        if let special = message.special { return try decodeSpecial(special, message, ranges: ranges, depth: depth) }
        let c = try collect(message, ranges: ranges, depth: depth)
        var inlined: [String: JSON] = [:]
        var direct: [String: JSON] = [:]
        for field in message.fields {
            if field.inline {
                guard case .message(let name) = field.type else { continue }
                let present = c.messageRanges[field.number]
                if present == nil && field.pointer { continue }
                let value = try decode(try lookup(name), ranges: present ?? [], depth: depth + 1)
                for (k, v) in value.object ?? [:] { inlined[k] = v }
                continue
            }
            if let value = try output(field, c, depth: depth) { direct[field.jsonName] = value }
        }
        // encoding/json prefers the shallower field when an inlined struct has a field of the same name.
        return .object(inlined.merging(direct) { _, d in d })
    }

    /// The JSON for one field, or nil when encoding/json would leave it out.
    private func output(_ field: ProtobufField, _ c: Collected, depth: Int) throws -> JSON? {
        // JSON is ExpressibleByNilLiteral, so a bare `nil` here would mean JSON.null: say `omit`.
        let omit: JSON? = .none
        let absentSliceOrPointer: JSON? = field.omitempty ? omit : .some(.null)
        switch field.type {
        case .map:
            guard let m = c.maps[field.number], !m.isEmpty else { return absentSliceOrPointer }
            return .object(m)
        case _ where field.repeated:
            guard let l = c.lists[field.number], !l.isEmpty else { return absentSliceOrPointer }
            return .array(l)
        case .message(let name):
            let target = try lookup(name)
            let ranges = c.messageRanges[field.number]
            if target.special == .items {
                // A Go slice type: nil and empty print alike.
                let list = try decode(target, ranges: ranges ?? [], depth: depth + 1)
                if list.array?.isEmpty ?? true { return absentSliceOrPointer }
                return list
            }
            if let ranges { return try decode(target, ranges: ranges, depth: depth + 1) }
            // An absent pointer is nil; an absent struct is its zero value, which omitempty never drops.
            return field.pointer ? absentSliceOrPointer : try decode(target, ranges: [], depth: depth + 1)
        case .scalar(.bytes):
            // Go []byte: nil when absent, non-nil (possibly empty) when present.
            guard let v = c.scalars[field.number] else { return absentSliceOrPointer }
            return field.omitempty && v == .string("") ? omit : v
        case .scalar(let t):
            if let v = c.scalars[field.number] {
                if field.pointer || !field.omitempty { return v }
                return Self.isZero(v) ? omit : v
            }
            if field.pointer { return absentSliceOrPointer }
            return field.omitempty ? omit : Self.zero(t)
        }
    }

    private func lookup(_ name: String) throws -> ProtobufMessage {
        guard let m = table.messages[name] else { throw KubeProtobufError("protobuf field table has no message \(name)") }
        return m
    }

    // MARK: - Reading fields

    private func collect(_ message: ProtobufMessage, ranges: [Range<Int>], depth: Int) throws -> Collected {
        var c = Collected()
        for range in ranges {
            var r = ProtobufWireReader(bytes: bytes, range: range)
            while !r.isAtEnd {
                let (number, wireType) = try r.readKey(in: message.shortName)
                guard let field = message.field(number) else {
                    try r.skip(wireType, in: message.shortName)
                    continue
                }
                try read(field, wireType: wireType, from: &r, into: &c, depth: depth)
            }
        }
        return c
    }

    private func read(_ field: ProtobufField, wireType: ProtobufWireType, from r: inout ProtobufWireReader, into c: inout Collected, depth: Int) throws {
        switch field.type {
        case .map(let keyType, let valueType):
            guard wireType == .lengthDelimited else { throw KubeProtobufError.wrongWireType(wireType.rawValue, field: field.jsonName) }
            let (key, value) = try mapEntry(r.readLengthDelimited(), key: keyType, value: valueType, field: field, depth: depth)
            c.maps[field.number, default: [:]][key] = value
        case .message(let name):
            guard wireType == .lengthDelimited else { throw KubeProtobufError.wrongWireType(wireType.rawValue, field: field.jsonName) }
            let range = try r.readLengthDelimited()
            if field.repeated {
                c.lists[field.number, default: []].append(try decode(try lookup(name), ranges: [range], depth: depth + 1))
            } else {
                c.messageRanges[field.number, default: []].append(range)
            }
        case .scalar(let t):
            if field.repeated && wireType == .lengthDelimited && t.wireType != .lengthDelimited {
                // Packed repeated scalars: one length-delimited run of values.
                let run = try r.readLengthDelimited()
                var packed = ProtobufWireReader(bytes: bytes, range: run)
                while !packed.isAtEnd {
                    c.lists[field.number, default: []].append(try scalar(t, from: &packed))
                }
                return
            }
            guard wireType == t.wireType else { throw KubeProtobufError.wrongWireType(wireType.rawValue, field: field.jsonName) }
            let v = try scalar(t, from: &r)
            if field.repeated { c.lists[field.number, default: []].append(v) } else { c.scalars[field.number] = v }
        }
    }

    private func mapEntry(_ range: Range<Int>, key keyType: ProtobufScalar, value valueType: ProtobufFieldType, field: ProtobufField, depth: Int) throws -> (String, JSON) {
        var r = ProtobufWireReader(bytes: bytes, range: range)
        var key: JSON?
        var scalarValue: JSON?
        var valueRanges: [Range<Int>] = []
        while !r.isAtEnd {
            let (number, wireType) = try r.readKey(in: field.jsonName + "Entry")
            switch (number, valueType) {
            case (1, _):
                guard wireType == keyType.wireType else { throw KubeProtobufError.wrongWireType(wireType.rawValue, field: "key") }
                key = try scalar(keyType, from: &r)
            case (2, .message):
                guard wireType == .lengthDelimited else { throw KubeProtobufError.wrongWireType(wireType.rawValue, field: "value") }
                valueRanges.append(try r.readLengthDelimited())
            case (2, .scalar(let t)):
                guard wireType == t.wireType else { throw KubeProtobufError.wrongWireType(wireType.rawValue, field: "value") }
                scalarValue = try scalar(t, from: &r)
            default:
                try r.skip(wireType, in: field.jsonName + "Entry")
            }
        }
        let keyString: String
        switch key ?? Self.zero(keyType) {
        case .string(let s): keyString = s
        case let other: keyString = other.jsonString  // Go prints integer keys in decimal, as JSON does
        }
        switch valueType {
        case .message(let name): return (keyString, try decode(try lookup(name), ranges: valueRanges, depth: depth + 1))
        case .scalar(let t): return (keyString, scalarValue ?? Self.zero(t))
        case .map: throw KubeProtobufError("proto: map value of \(field.jsonName) cannot be a map")
        }
    }

    private func scalar(_ t: ProtobufScalar, from r: inout ProtobufWireReader) throws(KubeProtobufError) -> JSON {
        switch t {
        case .int32: return .int(Int64(Int32(truncatingIfNeeded: try r.readVarint())))
        case .int64: return .int(Int64(bitPattern: try r.readVarint()))
        case .uint32: return .int(Int64(UInt32(truncatingIfNeeded: try r.readVarint())))
        case .uint64: return Self.unsigned(try r.readVarint())
        case .sint32:
            let v = UInt32(truncatingIfNeeded: try r.readVarint())
            return .int(Int64(Int32(bitPattern: (v >> 1) ^ (0 &- (v & 1)))))
        case .sint64:
            let v = try r.readVarint()
            return .int(Int64(bitPattern: (v >> 1) ^ (0 &- (v & 1))))
        case .bool: return .bool(try r.readVarint() != 0)
        case .fixed32: return .int(Int64(try r.readFixed32()))
        case .sfixed32: return .int(Int64(Int32(bitPattern: try r.readFixed32())))
        case .fixed64: return Self.unsigned(try r.readFixed64())
        case .sfixed64: return .int(Int64(bitPattern: try r.readFixed64()))
        case .float: return .double(Double(Float(bitPattern: try r.readFixed32())))
        case .double: return .double(Double(bitPattern: try r.readFixed64()))
        case .string: return .string(String(decoding: bytes[try r.readLengthDelimited()], as: UTF8.self))
        case .bytes: return .string(Data(bytes[try r.readLengthDelimited()]).base64EncodedString())
        }
    }

    /// The last occurrence of a bytes field, as a range of `bytes`, without copying or encoding it.
    private func lastBytesField(_ number: Int, of message: ProtobufMessage, ranges: [Range<Int>]) throws -> Range<Int>? {
        var found: Range<Int>?
        for range in ranges {
            var r = ProtobufWireReader(bytes: bytes, range: range)
            while !r.isAtEnd {
                let (field, wireType) = try r.readKey(in: message.shortName)
                guard field == number else {
                    try r.skip(wireType, in: message.shortName)
                    continue
                }
                guard wireType == .lengthDelimited else { throw KubeProtobufError.wrongWireType(wireType.rawValue, field: "Raw") }
                found = try r.readLengthDelimited()
            }
        }
        return found
    }

    private static func unsigned(_ v: UInt64) -> JSON {
        v <= UInt64(Int64.max) ? .int(Int64(v)) : .double(Double(v))
    }

    static func zero(_ t: ProtobufScalar) -> JSON {
        switch t {
        case .string, .bytes: return .string("")
        case .bool: return .bool(false)
        case .float, .double: return .double(0)
        default: return .int(0)
        }
    }

    static func isZero(_ v: JSON) -> Bool {
        switch v {
        case .string(let s): return s.isEmpty
        case .int(let i): return i == 0
        case .double(let d): return d == 0
        case .bool(let b): return !b
        default: return false
        }
    }

    // MARK: - Hand-marshalled types

    private func decodeSpecial(_ special: ProtobufSpecial, _ message: ProtobufMessage, ranges: [Range<Int>], depth: Int) throws -> JSON {
        switch special {
        case .time, .microTime:
            // Time.Unmarshal and MicroTime.Unmarshal replace the value: the last occurrence wins, and an
            // empty one is the zero time, which marshals as null.
            guard let last = ranges.last, !last.isEmpty else { return .null }
            let c = try collect(message, ranges: [last], depth: depth)
            let seconds = c.scalars[1]?.int ?? 0
            let nanos = c.scalars[2]?.int ?? 0
            // metav1.Time keeps whole seconds only (time_proto.go drops nanos); MicroTime keeps them.
            let formatted = special == .time
                ? GoTimeFormat.rfc3339(seconds: seconds, nanos: 0)
                : GoTimeFormat.rfc3339Micro(seconds: seconds, nanos: nanos)
            return formatted.map { .string($0) } ?? .null
        case .duration:
            let c = try collect(message, ranges: ranges, depth: depth)
            return .string(GoTimeFormat.duration(nanoseconds: c.scalars[1]?.int ?? 0))
        case .quantity:
            guard let last = ranges.last else { return .string("0") }
            let c = try collect(message, ranges: [last], depth: depth)
            guard let s = c.scalars[1]?.string else { return .string("0") }
            // resource.ParseQuantity("") fails; other strings are the sender's canonical String().
            guard !s.isEmpty else { throw KubeProtobufError(QuantityParseError.formatWrong.description) }
            return .string(s)
        case .intOrString:
            let c = try collect(message, ranges: ranges, depth: depth)
            switch c.scalars[1]?.int ?? 0 {
            case 0: return c.scalars[2] ?? .int(0)
            case 1: return c.scalars[3] ?? .string("")
            default: throw KubeProtobufError("json: error calling MarshalJSON for type intstr.IntOrString: impossible IntOrString.Type")
            }
        case .rawExtension, .fieldsV1:
            // {1: Raw bytes}; nil Raw marshals as null. An empty Raw would make encoding/json fail; null is kinder.
            guard let raw = try lastBytesField(1, of: message, ranges: ranges), !raw.isEmpty else { return .null }
            return try KubeProtobuf.decodeEmbedded(Data(bytes[raw]), table: table, depth: depth + 1)
        case .items:
            let c = try collect(message, ranges: ranges, depth: depth)
            return .array(c.lists[1] ?? [])
        }
    }
}
