import Foundation

/// One step of a field path, as structured-merge-diff names it.
///
/// Ownership is tracked per step rather than per JSON index because list elements move: an element of a
/// list-map is named by its key fields (`k:{"name":"nginx"}`), an element of a set by its value
/// (`v:"x"`), and only lists without identity would use an index (`i:0`, never produced for atomic lists,
/// which are owned whole).
public enum PathElement: Sendable, Hashable {
    /// A field of an object or an entry of a map: `f:name`.
    case field(String)
    /// A list-map element, identified by its key fields sorted by name: `k:{"containerPort":80,"protocol":"TCP"}`.
    case key([KeyField])
    /// A set element, identified by its (scalar) value: `v:"example.com/finalizer"`.
    case value(JSON)
    /// A list element by position: `i:3`.
    case index(Int)

    /// One key field of a list-map element.
    public struct KeyField: Sendable, Hashable {
        public var name: String
        public var value: JSON
        public init(name: String, value: JSON) {
            self.name = name
            self.value = PathElement.normalized(value)
        }
    }

    /// A key element from unsorted fields; sorts them by name as upstream requires.
    public static func keyed(_ fields: [(String, JSON)]) -> PathElement {
        .key(fields.map { KeyField(name: $0.0, value: $0.1) }.sorted { GoText.goLess($0.name, $1.name) })
    }

    /// Whole-number doubles become integers so `80` and `80.0` name the same element, as upstream's
    /// numeric comparison does.
    static func normalized(_ v: JSON) -> JSON {
        if case .double(let d) = v, d == d.rounded(), abs(d) < 9.0e15 { return .int(Int64(d)) }
        return v
    }

    // MARK: - Printed forms

    /// The form upstream prints in conflict messages and causes: `.image`, `[name="nginx"]`, `[=5]`, `[0]`.
    public var description: String {
        switch self {
        case .field(let name): return "." + name
        case .key(let fields):
            return "[" + fields.map { "\($0.name)=\(GoText.valueString($0.value))" }.joined(separator: ",") + "]"
        case .value(let v): return "[=\(GoText.valueString(v))]"
        case .index(let i): return "[\(i)]"
        }
    }

    /// The key used for this element in a `fieldsV1` trie.
    public var fieldsV1Key: String {
        switch self {
        case .field(let name): return "f:" + name
        case .key(let fields):
            var out = "k:{"
            for (i, f) in fields.enumerated() {
                if i > 0 { out += "," }
                GoText.writeJSONString(f.name, into: &out)
                out += ":"
                GoText.writeJSON(f.value, into: &out)
            }
            return out + "}"
        case .value(let v): return "v:" + GoText.json(v)
        case .index(let i): return "i:\(i)"
        }
    }

    /// Parses a `fieldsV1` key. Returns nil for a prefix this version does not know (upstream drops those
    /// silently so a newer server's data stays readable); throws for a malformed known one.
    public init?(fieldsV1Key key: String) throws {
        let chars = Array(key.utf8)
        guard chars.count >= 2 else { throw FieldsV1Error("key must be 2 characters long: \(key)") }
        guard chars[1] == UInt8(ascii: ":") else { throw FieldsV1Error("missing colon: \(key)") }
        let body = String(key.dropFirst(2))
        switch chars[0] {
        case UInt8(ascii: "f"):
            self = .field(body)
        case UInt8(ascii: "v"):
            guard let v = try? JSON.parse(body) else { throw FieldsV1Error("invalid value in key: \(key)") }
            self = .value(PathElement.normalized(v))
        case UInt8(ascii: "k"):
            guard let v = try? JSON.parse(body), case .object(let o) = v else {
                throw FieldsV1Error("invalid key fields in key: \(key)")
            }
            self = .keyed(o.map { ($0.key, $0.value) })
        case UInt8(ascii: "i"):
            guard let i = Int(body) else { throw FieldsV1Error("invalid index in key: \(key)") }
            self = .index(i)
        default:
            return nil
        }
    }
}

extension PathElement: CustomStringConvertible {}

/// A `fieldsV1` document that cannot be read.
public struct FieldsV1Error: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

// MARK: - Ordering

extension PathElement: Comparable {
    /// Upstream's order: fields, then keys, then values, then indexes; this is the order in which paths are
    /// listed in conflict messages.
    public static func < (a: PathElement, b: PathElement) -> Bool { compare(a, b) < 0 }

    private var rank: Int {
        switch self {
        case .field: return 0
        case .key: return 1
        case .value: return 2
        case .index: return 3
        }
    }

    static func compare(_ a: PathElement, _ b: PathElement) -> Int {
        switch (a, b) {
        case (.field(let x), .field(let y)): return x == y ? 0 : (GoText.goLess(x, y) ? -1 : 1)
        case (.key(let x), .key(let y)):
            for i in 0..<min(x.count, y.count) {
                if x[i].name != y[i].name { return GoText.goLess(x[i].name, y[i].name) ? -1 : 1 }
                let c = compareValues(x[i].value, y[i].value)
                if c != 0 { return c }
            }
            return x.count == y.count ? 0 : (x.count < y.count ? -1 : 1)
        case (.value(let x), .value(let y)): return compareValues(x, y)
        case (.index(let x), .index(let y)): return x == y ? 0 : (x < y ? -1 : 1)
        default: return a.rank < b.rank ? -1 : 1
        }
    }

    /// structured-merge-diff's total order on values: numbers < strings < booleans < lists < maps < null.
    static func compareValues(_ a: JSON, _ b: JSON) -> Int {
        func rank(_ v: JSON) -> Int {
            switch v {
            case .int, .double: return 0
            case .string: return 1
            case .bool: return 2
            case .array: return 3
            case .object: return 4
            case .null: return 5
            }
        }
        let (ra, rb) = (rank(a), rank(b))
        if ra != rb { return ra < rb ? -1 : 1 }
        switch (a, b) {
        case (.int(let x), .int(let y)): return x == y ? 0 : (x < y ? -1 : 1)
        case (.string(let x), .string(let y)): return x == y ? 0 : (GoText.goLess(x, y) ? -1 : 1)
        case (.bool(let x), .bool(let y)): return x == y ? 0 : (!x ? -1 : 1)
        case (.array(let x), .array(let y)):
            for i in 0..<min(x.count, y.count) {
                let c = compareValues(x[i], y[i])
                if c != 0 { return c }
            }
            return x.count == y.count ? 0 : (x.count < y.count ? -1 : 1)
        case (.object(let x), .object(let y)):
            let kx = x.keys.sorted(by: GoText.goLess)
            let ky = y.keys.sorted(by: GoText.goLess)
            for i in 0..<min(kx.count, ky.count) {
                if kx[i] != ky[i] { return GoText.goLess(kx[i], ky[i]) ? -1 : 1 }
                let c = compareValues(x[kx[i]]!, y[ky[i]]!)
                if c != 0 { return c }
            }
            return kx.count == ky.count ? 0 : (kx.count < ky.count ? -1 : 1)
        case (.null, .null): return 0
        default:
            // Mixed int/double: compare numerically.
            let x = a.double ?? 0
            let y = b.double ?? 0
            return x == y ? 0 : (x < y ? -1 : 1)
        }
    }
}

/// A field path: the steps from the object root to one field or element.
public typealias FieldPath = [PathElement]

extension Array where Element == PathElement {
    /// The path as upstream prints it in conflicts: `.spec.template.spec.containers[name="nginx"].image`.
    public var fieldPathString: String { map(\.description).joined() }
}
