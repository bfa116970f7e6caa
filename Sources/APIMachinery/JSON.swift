import Foundation

/// A JSON value: the server's object model.
///
/// The API server stores and serves Kubernetes objects as untyped JSON (as upstream's unstructured
/// objects) and only components that read specific fields decode them into small typed structs.
/// Integers and floating-point numbers are kept apart so that `replicas: 3` never comes back as `3.0`.
public enum JSON: Sendable, Hashable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSON])
    case object([String: JSON])
}

// MARK: - Decoding and encoding

/// Thrown when bytes are not valid JSON; the message is safe to show to a client.
public struct JSONParseError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

extension JSON: Codable {
    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() {
            self = .null
        } else if let b = try? c.decode(Bool.self) {
            self = .bool(b)
        } else if let i = try? c.decode(Int64.self) {
            self = .int(i)
        } else if let d = try? c.decode(Double.self) {
            self = .double(d)
        } else if let s = try? c.decode(String.self) {
            self = .string(s)
        } else if let a = try? c.decode([JSON].self) {
            self = .array(a)
        } else if let o = try? c.decode([String: JSON].self) {
            self = .object(o)
        } else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "not a JSON value")
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let b): try c.encode(b)
        case .int(let i): try c.encode(i)
        case .double(let d):
            // JSON has no NaN/Inf; Kubernetes never produces them either.
            try c.encode(d.isFinite ? d : 0)
        case .string(let s): try c.encode(s)
        case .array(let a): try c.encode(a)
        case .object(let o): try c.encode(o)
        }
    }

    /// Parses JSON text. Throws `JSONParseError` with a client-presentable message.
    ///
    /// Foundation's `JSONSerialization` does the parsing (several times faster here than decoding this enum
    /// through `JSONDecoder`, which must try each case in turn); its result is then mapped onto `JSON`.
    public static func parse(_ data: some DataProtocol) throws -> JSON {
        let d = data as? Data ?? Data(data)
        let any: Any
        do {
            any = try JSONSerialization.jsonObject(with: d, options: [.fragmentsAllowed])
        } catch {
            let ns = error as NSError
            throw JSONParseError((ns.userInfo[NSDebugDescriptionErrorKey] as? String) ?? ns.localizedDescription)
        }
        return JSON(foundation: any)
    }

    /// Maps `JSONSerialization` output onto `JSON`. Booleans arrive as NSNumbers of Objective-C type `c`
    /// (JSON text never yields a char-typed number otherwise), doubles as `d`, integers as the others.
    init(foundation value: Any) {
        switch value {
        case let s as String: self = .string(s)
        case let o as [String: Any]: self = .object(o.mapValues(JSON.init(foundation:)))
        case let a as [Any]: self = .array(a.map(JSON.init(foundation:)))
        case let n as NSNumber:
            switch n.objCType.pointee {
            case 0x63: self = .bool(n.boolValue)  // "c"
            case 0x64, 0x66: self = .double(n.doubleValue)  // "d", "f"
            default: self = .int(n.int64Value)
            }
        default: self = .null
        }
    }

    public static func parse(_ string: String) throws -> JSON {
        try parse(Data(string.utf8))
    }

    /// Compact JSON text; equal values give equal bytes. By default in upstream's field order (built-in
    /// kinds' fields as their Go types declare them, maps and unknown objects with sorted keys; see
    /// `JSONWriter`), with `sortedKeys` every object's keys sorted.
    public func serialized(sortedKeys: Bool = false) -> Data {
        Data(JSONWriter.write(self, sortedKeys: sortedKeys))
    }

    public var jsonString: String { String(decoding: serialized(sortedKeys: true), as: UTF8.self) }
}

// MARK: - Access

extension JSON {
    public subscript(key: String) -> JSON? {
        get {
            if case .object(let o) = self { return o[key] }
            return nil
        }
        set {
            guard case .object(var o) = self else {
                if let newValue { self = .object([key: newValue]) }
                return
            }
            o[key] = newValue
            self = .object(o)
        }
    }

    public subscript(index: Int) -> JSON? {
        if case .array(let a) = self, a.indices.contains(index) { return a[index] }
        return nil
    }

    /// Reads a nested value by object keys; nil when any step is missing or not an object.
    public subscript(path path: [String]) -> JSON? {
        get {
            var cur: JSON? = self
            for k in path { cur = cur?[k] }
            return cur
        }
        set {
            guard let first = path.first else {
                self = newValue ?? .null
                return
            }
            var child = self[first] ?? .object([:])
            if path.count > 1 {
                if case .object = child {} else { child = .object([:]) }
                child[path: Array(path.dropFirst())] = newValue
                self[first] = child
            } else {
                self[first] = newValue
            }
        }
    }

    public var string: String? { if case .string(let s) = self { return s }; return nil }
    public var bool: Bool? { if case .bool(let b) = self { return b }; return nil }
    public var int: Int64? {
        switch self {
        case .int(let i): return i
        case .double(let d) where d == d.rounded() && abs(d) < 9.0e18: return Int64(d)
        default: return nil
        }
    }
    public var double: Double? {
        switch self {
        case .int(let i): return Double(i)
        case .double(let d): return d
        default: return nil
        }
    }
    public var array: [JSON]? { if case .array(let a) = self { return a }; return nil }
    public var object: [String: JSON]? { if case .object(let o) = self { return o }; return nil }
    public var isNull: Bool { if case .null = self { return true }; return false }
    public var isObject: Bool { if case .object = self { return true }; return false }

    /// `{"a": "b"}` → `["a": "b"]`, keeping only string values (labels, annotations, selectors).
    public var stringMap: [String: String] {
        guard case .object(let o) = self else { return [:] }
        var out: [String: String] = [:]
        for (k, v) in o { if let s = v.string { out[k] = s } }
        return out
    }

    public static func from(_ map: [String: String]) -> JSON {
        .object(map.mapValues { .string($0) })
    }

    /// A short name for the value's type, as used in validation messages.
    public var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "boolean"
        case .int: return "integer"
        case .double: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }
}

// MARK: - Literals

extension JSON: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral, ExpressibleByFloatLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: JSON...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSON)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, b in b }))
    }
    public init(nilLiteral: ()) { self = .null }
    public init(floatLiteral value: Double) { self = .double(value) }
}

extension JSON: CustomStringConvertible {
    public var description: String { jsonString }
}
