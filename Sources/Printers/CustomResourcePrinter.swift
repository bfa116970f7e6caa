import APIMachinery
import Foundation

/// One `additionalPrinterColumns` entry of a CRD version.
public struct CustomColumn: Sendable, Hashable {
    public var name: String
    public var type: String
    public var format: String
    public var description: String
    public var priority: Int
    public var jsonPath: String

    public init(name: String, type: String, format: String = "", description: String = "", priority: Int = 0, jsonPath: String) {
        self.name = name
        self.type = type
        self.format = format
        self.description = description
        self.priority = priority
        self.jsonPath = jsonPath
    }
}

/// Upstream's custom resource table convertor: Name, then the version's printer columns, each cell the
/// JSONPath's first result typed by the column (`date` cells print as ages); a version without columns
/// serves `Age` (`serveDefaultColumnsIfEmpty`).
public struct CustomResourcePrinter: TablePrinter {
    public let columns: [CustomColumn]
    private let paths: [SimpleJSONPath?]

    public init(columns: [CustomColumn]) {
        let cols = columns.isEmpty
            ? [CustomColumn(name: "Age", type: "date", description: ColumnDescriptions.creationTimestamp, jsonPath: ".metadata.creationTimestamp")]
            : columns
        self.columns = cols
        paths = cols.map { SimpleJSONPath($0.jsonPath) }
    }

    public var columnDefinitions: [TableColumn] {
        [ColumnDescriptions.nameColumn] + columns.map {
            TableColumn(name: $0.name, type: $0.type, format: $0.format, priority: $0.priority, description: $0.description)
        }
    }

    public func cells(for object: JSON, now: Date) -> [JSON] {
        var out: [JSON] = [.string(object.name)]
        for (column, path) in zip(columns, paths) {
            guard let path, let value = path.first(in: object), !value.isNull else { out.append(.null); continue }
            out.append(Self.cell(column.type, value, now: now))
        }
        return out
    }

    static func cell(_ type: String, _ value: JSON, now: Date) -> JSON {
        switch type {
        case "integer":
            if let i = value.int { return .int(i) }
        case "number":
            if let d = value.double, value.string == nil { return value.int != nil && !(value.double!.rounded() != value.double!) ? value : .double(d) }
        case "boolean":
            if case .bool = value { return value }
        case "date":
            if case .string(let s) = value {
                guard let t = Timestamp(rfc3339: s) else { return "<invalid>" }
                return .string(translateTimestampSince(t.isGoZero ? nil : t, now: now))
            }
        default:
            if case .string = value { return value }
            return .string(value.jsonString)
        }
        return .null
    }
}

/// The JSONPath subset printer columns use: `.a.b`, `.a[0]`, `.a['k.x']`, `.a[*].b` and
/// `.a[?(@.type=="Ready")].status`.
public struct SimpleJSONPath: Sendable, Hashable {
    enum Step: Sendable, Hashable {
        case field(String)
        case index(Int)
        case all
        case filter(key: [String], value: String, equal: Bool)
    }
    let steps: [Step]

    public init?(_ text: String) {
        var s = Substring(text.trimmingCharacters(in: .whitespaces))
        if s.hasPrefix("{"), s.hasSuffix("}") { s = s.dropFirst().dropLast() }
        if s.hasPrefix("$") { s = s.dropFirst() }
        var steps: [Step] = []
        while !s.isEmpty {
            if s.hasPrefix(".") {
                s = s.dropFirst()
                let name = s.prefix { $0 != "." && $0 != "[" }
                if name.isEmpty { return nil }
                steps.append(name == "*" ? .all : .field(String(name)))
                s = s.dropFirst(name.count)
            } else if s.hasPrefix("[") {
                guard let close = s.firstIndex(of: "]") else { return nil }
                var inner = s[s.index(after: s.startIndex)..<close]
                if inner.hasPrefix("?(") {
                    // The filter may contain "]" in its value; find the closing ")]".
                    guard let end = s.range(of: ")]") else { return nil }
                    inner = s[s.index(s.startIndex, offsetBy: 3)..<end.lowerBound]
                    s = s[end.upperBound...]
                    let equal = !inner.contains("!=")
                    let parts = inner.components(separatedBy: equal ? "==" : "!=")
                    guard parts.count == 2 else { return nil }
                    let lhs = parts[0].trimmingCharacters(in: .whitespaces)
                    guard lhs.hasPrefix("@.") else { return nil }
                    let value = parts[1].trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))
                    steps.append(.filter(key: lhs.dropFirst(2).split(separator: ".").map(String.init), value: value, equal: equal))
                    continue
                }
                s = s[s.index(after: close)...]
                let t = inner.trimmingCharacters(in: .whitespaces)
                if t == "*" { steps.append(.all) }
                else if let i = Int(t) { steps.append(.index(i)) }
                else { steps.append(.field(t.trimmingCharacters(in: CharacterSet(charactersIn: "\"'")))) }
            } else {
                return nil
            }
        }
        self.steps = steps
    }

    /// The first value the path reaches, or nil.
    public func first(in object: JSON) -> JSON? {
        var current: [JSON] = [object]
        for step in steps {
            var next: [JSON] = []
            for v in current {
                switch step {
                case .field(let f): if let c = v[f] { next.append(c) }
                case .index(let i):
                    if let a = v.array { let j = i < 0 ? a.count + i : i; if a.indices.contains(j) { next.append(a[j]) } }
                case .all:
                    if let a = v.array { next += a } else if let o = v.object { next += o.keys.sorted().compactMap { o[$0] } }
                case .filter(let key, let value, let equal):
                    for item in v.array ?? [] {
                        let field = key.reduce(Optional(item)) { $0?[$1] }
                        let text = field.map { $0.string ?? $0.jsonString }
                        if (text == value) == equal { next.append(item) }
                    }
                }
            }
            current = next
        }
        return current.first
    }
}
