import Foundation
import Yams

/// Malformed YAML, with upstream's message and the line the problem was found on.
public struct YAMLDecodingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The text kube-apiserver would answer (goyaml v2's): "yaml: line 3: mapping values are not allowed in
    /// this context". goyaml counts some lines from 0 and omits "line 0"; `line` has the real line.
    public let message: String
    /// The 1-based line of the problem, when known.
    public let line: Int?
    /// Where Yams found a repeated key (it refuses them; goyaml keeps the last one).
    var duplicate: DuplicateKey?

    struct DuplicateKey: Equatable, Sendable {
        var line: Int
        var column: Int
        var key: String
    }

    public init(_ message: String, line: Int? = nil) {
        self.message = message
        self.line = line
    }

    public static func == (a: YAMLDecodingError, b: YAMLDecodingError) -> Bool {
        a.message == b.message && a.line == b.line
    }

    public var description: String { message }
}

/// YAML request bodies and manifests → JSON values, resolved the way kube-apiserver resolves them.
///
/// Upstream converts YAML with sigs.k8s.io/yaml, which decodes with goyaml v2 (YAML 1.1-style plain
/// scalars) and marshals the result to JSON. So, for plain (unquoted) scalars: `yes`/`no`/`on`/`off`/`y`/`n`
/// (any of their three casings) are booleans, `~`/`null`/empty are null, `0755` is octal (493), `0x1F`,
/// `0o17`, `0b101` and `1_000` are integers, and timestamps stay strings. Quoted and block scalars are
/// always strings. Map keys become strings (`1` → "1", `yes` → "true"). Floats with an integral value
/// come out as JSON integers, as they do after upstream's JSON round trip. A repeated key keeps its
/// last value, as upstream's non-strict decoding does; `strict: true` rejects it instead (upstream's
/// `fieldValidation=Strict` check).
///
/// Messages are upstream's `yaml.YAMLToJSON` errors ("yaml: line 3: ..."); kubectl's client-side
/// wrapper "error converting YAML to JSON: " is not part of what the API server answers.
public enum YAMLDecoding {
    /// The first document, as upstream's `yaml.YAMLToJSON` (later documents are ignored); empty input is null.
    public static func decode(_ text: String, strict: Bool = false) throws(YAMLDecodingError) -> JSON {
        try withParser(text, strict: strict) { parser, converter, source throws(YAMLDecodingError) in
            guard let root = try next(parser, source) else { return .null }
            return try converter.value(root)
        }
    }

    /// Every document of a multi-document stream (`---` separated), skipping empty and null documents
    /// as kubectl does.
    public static func decodeAll(_ text: String, strict: Bool = false) throws(YAMLDecodingError) -> [JSON] {
        try withParser(text, strict: strict) { parser, converter, source throws(YAMLDecodingError) in
            var out: [JSON] = []
            while let root = try next(parser, source) {
                let value = try converter.value(root)
                if value != .null { out.append(value) }
            }
            return out
        }
    }

    /// Repeated keys a non-strict read tolerates (each one costs a full reparse).
    static let maxDuplicateRestarts = 64
    /// Bytes all those reparses may read together.
    static let duplicateReparseBudget = 8 << 20

    /// Runs `body` over a parser of `text`. Yams refuses repeated mapping keys; unless `strict`, each
    /// refused earlier occurrence is renamed to a placeholder the converter drops, and parsing restarts,
    /// so the last occurrence wins as in goyaml.
    ///
    /// Each restart reads the whole text again, so the restarts are bounded (``maxDuplicateRestarts``,
    /// and ``duplicateReparseBudget`` bytes read in all): the fuzzer found that a 51 kB manifest repeating
    /// four keys a thousand times took 225 s to read, stalling whatever read it (an apply request). Past
    /// the bound the text is refused; goyaml would take it, but no real manifest repeats keys that often.
    private static func withParser<T>(
        _ text: String, strict: Bool,
        _ body: (Parser, inout YAMLConverter, String) throws(YAMLDecodingError) -> T
    ) throws(YAMLDecodingError) -> T {
        // goyaml's reader ends the input with a line break when it lacks one (so a final block scalar
        // line keeps its newline, and end-of-stream errors count that line); libyaml does not.
        var source = text.isEmpty || text.hasSuffix("\n") ? text : text + "\n"
        var dropped: Set<String> = []
        while true {
            do throws(YAMLDecodingError) {
                let parser: Parser
                do {
                    parser = try Parser(yaml: source, resolver: YAMLConverter.resolver)
                } catch {
                    throw translate(error, source)
                }
                // The parser owns the anchors that nodes refer to weakly; it must outlive the conversion.
                return try withExtendedLifetime(parser) { () throws(YAMLDecodingError) -> T in
                    var converter = YAMLConverter(droppedKeys: dropped)
                    return try body(parser, &converter, source)
                }
            } catch {
                let reparsed = (dropped.count + 1) * source.utf8.count
                if !strict, error.duplicate != nil,
                   dropped.count >= maxDuplicateRestarts || reparsed > duplicateReparseBudget {
                    throw YAMLDecodingError("yaml: too many repeated mapping keys (\(dropped.count) renamed before the limit); "
                        + "remove the repeated keys", line: error.line)
                }
                guard !strict, let duplicate = error.duplicate,
                      let renamed = renameKey(duplicate, in: source, to: "__skiff_duplicate_key_\(dropped.count)__")
                else { throw error }
                dropped.insert("__skiff_duplicate_key_\(dropped.count)__")
                source = renamed
            }
        }
    }

    /// Replaces the key scalar at the duplicate's position with `placeholder`; nil when the text there is
    /// not the key (an alias, a tag or a complex key), in which case the duplicate stays an error.
    static func renameKey(_ duplicate: YAMLDecodingError.DuplicateKey, in source: String, to placeholder: String) -> String? {
        var lines = source.split(separator: "\n", omittingEmptySubsequences: false).map { Array($0.unicodeScalars) }
        let row = duplicate.line - 1
        let start = duplicate.column - 1
        guard lines.indices.contains(row), lines[row].indices.contains(start) else { return nil }
        let line = lines[row]
        var end: Int?
        switch line[start] {
        case "\"":
            var i = start + 1
            while i < line.count {
                if line[i] == "\\" { i += 2; continue }
                if line[i] == "\"" { end = i + 1; break }
                i += 1
            }
        case "'":
            var i = start + 1
            while i < line.count {
                if line[i] == "'" {
                    if i + 1 < line.count, line[i + 1] == "'" { i += 2; continue }
                    end = i + 1
                    break
                }
                i += 1
            }
        default:
            let key = Array(duplicate.key.unicodeScalars)
            if !key.isEmpty, start + key.count <= line.count, Array(line[start..<(start + key.count)]) == key {
                end = start + key.count
            }
        }
        guard let end else { return nil }
        lines[row].replaceSubrange(start..<end, with: placeholder.unicodeScalars)
        return lines.map { String(String.UnicodeScalarView($0)) }.joined(separator: "\n")
    }

    private static func next(_ parser: Parser, _ text: String) throws(YAMLDecodingError) -> Node? {
        do {
            return try parser.nextRoot()
        } catch {
            throw translate(error, text)
        }
    }

    /// Yams (libyaml) errors → goyaml v2's messages and line numbering.
    static func translate(_ error: any Error, _ text: String) -> YAMLDecodingError {
        guard let error = error as? YamlError else { return YAMLDecodingError("yaml: \(error)") }
        func where_(_ line: Int) -> String { line != 0 ? "line \(line): " : "" }
        switch error {
        case let .scanner(context, problem, mark, _):
            // goyaml: scanner errors report problem_mark.line + 1 (1-based) unless it is 0.
            let line = mark.line - 1 != 0 ? mark.line : max((context?.mark.line ?? 1) - 1, 0)
            return YAMLDecodingError("yaml: " + where_(line) + problem, line: mark.line)
        case let .parser(context, problem, mark, _):
            // goyaml: parser errors report the 0-based problem line.
            let line = mark.line - 1 != 0 ? mark.line - 1 : max((context?.mark.line ?? 1) - 1, 0)
            return YAMLDecodingError("yaml: " + where_(line) + problem, line: mark.line)
        case let .composer(_, problem, mark, yaml):
            if problem == "found undefined alias" {
                let name = aliasName(at: mark, in: yaml)
                // libyaml registers an anchor once its node is complete; goyaml already while it is being
                // read, and then refuses the alias as a self-reference.
                if let offset = offset(of: mark, in: yaml), yaml.unicodeScalars.prefix(offset).split(whereSeparator: { " \t\n,[{".unicodeScalars.contains($0) }).contains(where: { $0.elementsEqual(("&" + name).unicodeScalars) }) {
                    return YAMLDecodingError("yaml: anchor '\(name)' value contains itself", line: mark.line)
                }
                return YAMLDecodingError("yaml: unknown anchor '\(name)' referenced", line: mark.line)
            }
            return YAMLDecodingError("yaml: " + problem, line: mark.line)
        case let .reader(problem, offset, _, yaml):
            let line = offset.map { yaml.prefix($0).reduce(1) { $1 == "\n" ? $0 + 1 : $0 } }
            return YAMLDecodingError("yaml: " + problem, line: line)
        case let .duplicatedKeysInMapping(duplicates, context):
            let lines = duplicates.map { "  line \(context.mark.line): key \(quote($0)) already set in map" }
            var e = YAMLDecodingError("yaml: unmarshal errors:\n" + lines.joined(separator: "\n"), line: context.mark.line)
            // Yams reports the first occurrence of the first (sorted) repeated key.
            if let first = duplicates.first {
                e.duplicate = .init(line: context.mark.line, column: context.mark.column, key: first)
            }
            return e
        default:
            return YAMLDecodingError("yaml: \(error)")
        }
    }

    /// The unicode scalar offset of a 1-based line and column.
    private static func offset(of mark: Mark, in yaml: String) -> Int? {
        var line = 1, offset = 0
        for scalar in yaml.unicodeScalars {
            if line == mark.line { return offset + mark.column - 1 }
            if scalar == "\n" { line += 1 }
            offset += 1
        }
        return line == mark.line ? offset + mark.column - 1 : nil
    }

    private static func aliasName(at mark: Mark, in yaml: String) -> String {
        let lines = yaml.split(separator: "\n", omittingEmptySubsequences: false)
        guard mark.line >= 1, mark.line <= lines.count else { return "" }
        let line = Array(lines[mark.line - 1].unicodeScalars)
        var i = max(mark.column - 1, 0)
        if i < line.count, line[i] == "*" { i += 1 }
        var name = String.UnicodeScalarView()
        while i < line.count, !" \t,[]{}".unicodeScalars.contains(line[i]) {
            name.append(line[i])
            i += 1
        }
        return String(name)
    }

    static func quote(_ s: String) -> String {
        "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}

/// Converts composed Yams nodes to JSON with goyaml v2's resolution and sigs.k8s.io/yaml's key rules.
struct YAMLConverter {
    /// Placeholder keys standing for overwritten duplicates; their entries are skipped.
    let droppedKeys: Set<String>

    init(droppedKeys: Set<String> = []) { self.droppedKeys = droppedKeys }
    /// Guards against alias bombs the way goyaml v2.4 does ("document contains excessive aliasing").
    private var decodeCount = 0
    private var aliasCount = 0
    private var aliasDepth = 0
    private var seenAnchors: Set<ObjectIdentifier> = []

    static let strTag = "tag:yaml.org,2002:str"
    static let binaryTag = "tag:yaml.org,2002:binary"
    static let boolTag = "tag:yaml.org,2002:bool"
    static let nullTag = "tag:yaml.org,2002:null"
    static let intTag = "tag:yaml.org,2002:int"
    static let floatTag = "tag:yaml.org,2002:float"
    static let timestampTag = "tag:yaml.org,2002:timestamp"
    static let mergeTag = "tag:yaml.org,2002:merge"
    /// No resolution rules: an untagged scalar keeps Yams' implicit tag "" until something hashes it. Yams'
    /// rules are NSRegularExpressions, and building or running one loads ICU's regex engine (about 1.5 MB of
    /// resident code in every process that reads a kubeconfig) for a job `resolvePlain` does anyway.
    static let resolver = Resolver.basic

    /// The scalar's explicit tag, "" when it has none.
    ///
    /// Yams resolves a tag in place when it hashes a node, and its duplicate-key check hashes every mapping
    /// key, so with no rules an untagged plain key reads as `!!str`. For keys, a plain `!!str` therefore
    /// counts as untagged: that misreads only a key written `!!str on:` (a plain key with an explicit tag),
    /// which no manifest has. Values are never hashed and keep their tags exactly.
    static func explicitTag(_ s: Node.Scalar, isKey: Bool = false) -> String {
        let tag = s.tag.rawValue
        if isKey && tag == strTag && isPlain(s) { return "" }
        return tag
    }

    /// A resolved scalar before it becomes JSON (goyaml's Go value).
    enum Scalar: Equatable {
        case null
        case bool(Bool)
        case int(Int64)
        case uint(UInt64)
        case float(Double)
        case string(String)
    }

    mutating func value(_ node: Node) throws(YAMLDecodingError) -> JSON {
        let anchorID = anchorIdentity(node)
        var isAlias = false
        if let anchorID {
            if seenAnchors.contains(anchorID) { isAlias = true } else { seenAnchors.insert(anchorID) }
        }
        if isAlias { aliasDepth += 1 }
        defer { if isAlias { aliasDepth -= 1 } }
        try countDecode()

        switch node {
        case .scalar(let s):
            return try Self.json(from: Self.resolve(s), line: s.mark?.line)
        case .sequence(let seq):
            var out: [JSON] = []
            out.reserveCapacity(seq.count)
            for child in seq { out.append(try value(child)) }
            return .array(out)
        case .mapping(let map):
            var out: [String: JSON] = [:]
            try fill(&out, from: map)
            return .object(out)
        case .alias:
            throw YAMLDecodingError("yaml: unknown anchor referenced")
        }
    }

    private func anchorIdentity(_ node: Node) -> ObjectIdentifier? {
        switch node {
        case .scalar(let s): return s.anchor.map(ObjectIdentifier.init)
        case .mapping(let m): return m.anchor.map(ObjectIdentifier.init)
        case .sequence(let s): return s.anchor.map(ObjectIdentifier.init)
        case .alias: return nil
        }
    }

    private mutating func countDecode() throws(YAMLDecodingError) {
        decodeCount += 1
        if aliasDepth > 0 { aliasCount += 1 }
        if aliasCount > 100 && decodeCount > 1000 && Double(aliasCount) / Double(decodeCount) > Self.allowedAliasRatio(decodeCount) {
            throw YAMLDecodingError("yaml: document contains excessive aliasing")
        }
    }

    static func allowedAliasRatio(_ decodeCount: Int) -> Double {
        let low = 400_000, high = 4_000_000
        if decodeCount <= low { return 0.99 }
        if decodeCount >= high { return 0.10 }
        return 0.99 - 0.89 * (Double(decodeCount - low) / Double(high - low))
    }

    /// Entries in document order; a later key (or merge) overwrites an earlier one, as goyaml v2 does.
    private mutating func fill(_ out: inout [String: JSON], from map: Node.Mapping) throws(YAMLDecodingError) {
        for (keyNode, valueNode) in map {
            if Self.isMergeKey(keyNode) {
                try merge(&out, valueNode)
                continue
            }
            try countDecode()
            if case .scalar(let k) = keyNode, Self.isPlain(k), droppedKeys.contains(k.string) {
                // Still decoded: anchors defined under an overwritten key stay usable.
                _ = try value(valueNode)
                continue
            }
            let key = try Self.key(keyNode, value: valueNode)
            out[key] = try value(valueNode)
        }
    }

    /// `<<: *base` or `<<: [*a, *b]` (earlier maps in the list take precedence).
    private mutating func merge(_ out: inout [String: JSON], _ node: Node) throws(YAMLDecodingError) {
        let wantMap = YAMLDecodingError("yaml: map merge requires map or sequence of maps as the value", line: Self.line(of: node))
        switch node {
        case .mapping(let m):
            try countDecode()
            try fill(&out, from: m)
        case .sequence(let seq):
            for child in seq.reversed() {
                guard case .mapping(let m) = child else { throw wantMap }
                try countDecode()
                try fill(&out, from: m)
            }
        default:
            throw wantMap
        }
    }

    static func isMergeKey(_ node: Node) -> Bool {
        guard case .scalar(let s) = node, s.string == "<<" else { return false }
        let tag = explicitTag(s, isKey: true)
        return (tag.isEmpty && isPlain(s)) || tag == mergeTag
    }

    static func isPlain(_ s: Node.Scalar) -> Bool { s.style == .plain || s.style == .any }

    static func line(of node: Node) -> Int? {
        switch node {
        case .scalar(let s): return s.mark?.line
        case .mapping(let m): return m.mark?.line
        case .sequence(let s): return s.mark?.line
        case .alias(let a): return a.mark?.line
        }
    }

    /// sigs.k8s.io/yaml's key conversion: strings as is, integers in decimal, booleans as "true"/"false",
    /// floats as Go's `FormatFloat(f, 'g', -1, 32)`.
    static func key(_ node: Node, value: Node) throws(YAMLDecodingError) -> String {
        guard case .scalar(let s) = node else {
            throw YAMLDecodingError("yaml: invalid map key: a key must be a scalar", line: line(of: node))
        }
        switch try resolve(s, isKey: true) {
        case .string(let str): return str
        case .int(let i): return String(i)
        case .uint(let u): return String(u)
        case .bool(let b): return b ? "true" : "false"
        case .float(let f): return goFloat32G(f)
        case .null:
            throw YAMLDecodingError("unsupported map key of type: %!s(<nil>), key: <nil>, value: \(goValue(value))", line: s.mark?.line)
        }
    }

    /// Go's `%+#v` of a decoded value, for scalars (collections are abbreviated).
    static func goValue(_ node: Node) -> String {
        guard case .scalar(let s) = node, let scalar = try? resolve(s) else { return "..." }
        switch scalar {
        case .null: return "<nil>"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .uint(let u): return "0x" + String(u, radix: 16)
        case .float(let f): return f == f.rounded() && abs(f) < 1e21 ? String(Int64(f)) : String(f)
        case .string(let str): return YAMLDecoding.quote(str)
        }
    }

    static func json(from scalar: Scalar, line: Int?) throws(YAMLDecodingError) -> JSON {
        switch scalar {
        case .null: return .null
        case .bool(let b): return .bool(b)
        case .int(let i): return .int(i)
        case .uint(let u): return u <= UInt64(Int64.max) ? .int(Int64(u)) : .double(Double(u))
        case .string(let s): return .string(s)
        case .float(let f):
            guard f.isFinite else {
                throw YAMLDecodingError("json: unsupported value: \(f.isNaN ? "NaN" : (f > 0 ? "+Inf" : "-Inf"))", line: line)
            }
            // Go's JSON writes integral floats below 1e21 without a fraction; decoding reads them as integers.
            if f == f.rounded(), abs(f) < 1e21, let i = Int64(exactly: f) { return .int(i) }
            return .double(f)
        }
    }

    // MARK: - goyaml v2 scalar resolution

    /// goyaml v2's `resolve` for a scalar node: quoted and block scalars are strings unless explicitly
    /// tagged; plain scalars go through the YAML 1.1-style table.
    static func resolve(_ s: Node.Scalar, isKey: Bool = false) throws(YAMLDecodingError) -> Scalar {
        let tag = explicitTag(s, isKey: isKey)
        if tag.isEmpty && !isPlain(s) { return .string(s.string) }
        if tag == binaryTag {
            guard let data = Data(base64Encoded: s.string.filter { !$0.isWhitespace }) else {
                throw YAMLDecodingError("yaml: !!binary value contains invalid base64 data", line: s.mark?.line)
            }
            return .string(String(decoding: data, as: UTF8.self))
        }
        let resolvable = [ "", strTag, boolTag, nullTag, floatTag, intTag, timestampTag ]
        guard resolvable.contains(tag) else { return .string(s.string) }
        let (rtag, value) = resolvePlain(tag: tag, s.string)
        if tag.isEmpty || tag == rtag || tag == strTag { return value }
        if tag == floatTag, rtag == intTag {
            switch value {
            case .int(let i): return .float(Double(i))
            case .uint(let u): return .float(Double(u))
            default: break
            }
        }
        throw YAMLDecodingError("yaml: cannot decode \(shortTag(rtag)) `\(s.string)` as a \(shortTag(tag))", line: s.mark?.line)
    }

    static func shortTag(_ tag: String) -> String {
        tag.hasPrefix("tag:yaml.org,2002:") ? "!!" + tag.dropFirst("tag:yaml.org,2002:".count) : tag
    }

    private static let resolveMap: [String: (String, Scalar)] = {
        var m: [String: (String, Scalar)] = [:]
        for s in ["y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"] { m[s] = (boolTag, .bool(true)) }
        for s in ["n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"] { m[s] = (boolTag, .bool(false)) }
        for s in ["", "~", "null", "Null", "NULL"] { m[s] = (nullTag, .null) }
        for s in [".nan", ".NaN", ".NAN"] { m[s] = (floatTag, .float(.nan)) }
        for s in [".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"] { m[s] = (floatTag, .float(.infinity)) }
        for s in ["-.inf", "-.Inf", "-.INF"] { m[s] = (floatTag, .float(-.infinity)) }
        m["<<"] = (mergeTag, .string("<<"))
        return m
    }()

    /// The resolved tag and value of a plain scalar (or one explicitly tagged with a resolvable tag).
    static func resolvePlain(tag: String, _ input: String) -> (String, Scalar) {
        if tag == strTag { return (strTag, .string(input)) }
        let first = input.utf8.first
        // goyaml's hint table: which first bytes may start a non-string.
        let hinted: Bool
        switch first {
        case nil: hinted = true
        case let c?:
            hinted = "yYnNtTfFoO~.+-0123456789<".utf8.contains(c)
        }
        guard hinted else { return (strTag, .string(input)) }
        if let hit = resolveMap[input] { return hit }
        guard let c = first else { return (strTag, .string(input)) }
        if c == UInt8(ascii: ".") {
            if isDotFloat(input), let d = Double(input), d.isFinite { return (floatTag, .float(d)) }
        } else if c == UInt8(ascii: "+") || c == UInt8(ascii: "-") || (c >= 0x30 && c <= 0x39) {
            if (tag.isEmpty || tag == timestampTag) && isTimestamp(input) {
                // goyaml v2 hands timestamps to untyped targets as their original text.
                return (timestampTag, .string(input))
            }
            let plain = input.replacingOccurrences(of: "_", with: "")
            if let i = goParseInt(plain) { return (intTag, .int(i)) }
            if let u = goParseUint(plain) { return (intTag, .uint(u)) }
            if isYAMLStyleFloat(plain), let d = Double(plain), d.isFinite { return (floatTag, .float(d)) }
        }
        return (strTag, .string(input))
    }

    /// Go's `strconv.ParseInt(s, 0, 64)`: sign, then 0b/0o/0x/0 prefixes; nil on syntax or range errors.
    static func goParseInt(_ s: String) -> Int64? {
        var bytes = Substring(s)
        var negative = false
        if let f = bytes.first, f == "+" || f == "-" {
            negative = f == "-"
            bytes = bytes.dropFirst()
        }
        guard let u = goParseUint(String(bytes)) else { return nil }
        if negative {
            if u == UInt64(Int64.max) + 1 { return Int64.min }
            return u <= UInt64(Int64.max) ? -Int64(u) : nil
        }
        return u <= UInt64(Int64.max) ? Int64(u) : nil
    }

    /// Go's `strconv.ParseUint(s, 0, 64)` (no sign allowed).
    static func goParseUint(_ s: String) -> UInt64? {
        var digits = Array(s.utf8)
        guard !digits.isEmpty else { return nil }
        var base: UInt64 = 10
        if digits[0] == UInt8(ascii: "0") {
            let second = digits.count >= 3 ? digits[1] | 0x20 : 0
            switch second {
            case UInt8(ascii: "b"): base = 2; digits.removeFirst(2)
            case UInt8(ascii: "o"): base = 8; digits.removeFirst(2)
            case UInt8(ascii: "x"): base = 16; digits.removeFirst(2)
            default: base = 8; digits.removeFirst()
            }
        }
        var value: UInt64 = 0
        for c in digits {
            let d: UInt64
            switch c {
            case 0x30...0x39: d = UInt64(c - 0x30)
            case 0x61...0x7A: d = UInt64(c - 0x61 + 10)
            case 0x41...0x5A: d = UInt64(c - 0x41 + 10)
            default: return nil
            }
            guard d < base else { return nil }
            let (m, o1) = value.multipliedReportingOverflow(by: base)
            let (a, o2) = m.addingReportingOverflow(d)
            if o1 || o2 { return nil }
            value = a
        }
        return value
    }

    /// `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`
    static func isYAMLStyleFloat(_ s: String) -> Bool {
        var b = Array(s.utf8)[...]
        func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
        func digits() -> Int { let n = b.prefix(while: isDigit).count; b = b.dropFirst(n); return n }
        if let f = b.first, f == UInt8(ascii: "+") || f == UInt8(ascii: "-") { b = b.dropFirst() }
        if b.first == UInt8(ascii: ".") {
            b = b.dropFirst()
            if digits() == 0 { return false }
        } else {
            if digits() == 0 { return false }
            if b.first == UInt8(ascii: ".") { b = b.dropFirst(); _ = digits() }
        }
        if let e = b.first, e == UInt8(ascii: "e") || e == UInt8(ascii: "E") {
            b = b.dropFirst()
            if let f = b.first, f == UInt8(ascii: "+") || f == UInt8(ascii: "-") { b = b.dropFirst() }
            if digits() == 0 { return false }
        }
        return b.isEmpty
    }

    /// A float Go's `ParseFloat` accepts starting with a dot: `.5`, `.5e3`.
    static func isDotFloat(_ s: String) -> Bool {
        s.hasPrefix(".") && isYAMLStyleFloat(s)
    }

    /// goyaml v2's timestamp layouts: `2006-1-2`, `2006-1-2T15:4:5.999999999Z07:00` (also with `t`),
    /// `2006-1-2 15:4:5.999999999`.
    static func isTimestamp(_ s: String) -> Bool {
        let b = Array(s.utf8)
        var i = 0
        func num(_ minDigits: Int, _ maxDigits: Int) -> Int? {
            var n = 0, v = 0
            while i < b.count, b[i] >= 0x30, b[i] <= 0x39, n < maxDigits { v = v * 10 + Int(b[i] - 0x30); i += 1; n += 1 }
            return n >= minDigits ? v : nil
        }
        func lit(_ c: Character) -> Bool {
            guard i < b.count, b[i] == c.asciiValue! else { return false }
            i += 1
            return true
        }
        guard num(4, 4) != nil, lit("-"), let month = num(1, 2), (1...12).contains(month), lit("-"),
              let day = num(1, 2), (1...31).contains(day) else { return false }
        if i == b.count { return true }
        let separator = b[i]
        guard separator == UInt8(ascii: "T") || separator == UInt8(ascii: "t") || separator == UInt8(ascii: " ") else { return false }
        i += 1
        guard let h = num(1, 2), h < 24, lit(":"), let m = num(1, 2), m < 60, lit(":"), let sec = num(1, 2), sec < 60 else { return false }
        if lit("."), num(1, 9) == nil { return false }
        if separator == UInt8(ascii: " ") { return i == b.count }
        if lit("Z") { return i == b.count }
        guard i < b.count, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") else { return false }
        i += 1
        guard num(2, 2) != nil, lit(":"), num(2, 2) != nil else { return false }
        return i == b.count
    }

    /// Go's `strconv.FormatFloat(f, 'g', -1, 32)` with sigs.k8s.io/yaml's ".inf"/".nan" spellings.
    static func goFloat32G(_ value: Double) -> String {
        if value.isNaN { return ".nan" }
        let f = Float(value)
        if f.isInfinite { return f > 0 ? ".inf" : "-.inf" }
        let negative = f.sign == .minus
        if f == 0 { return negative ? "-0" : "0" }
        // Swift prints the shortest round-tripping digits; re-lay them out as Go's %g does.
        let text = "\(f.magnitude)"
        let parts = text.split(separator: "e")
        let mantissa = parts[0]
        let exponent = parts.count > 1 ? Int(parts[1]) ?? 0 : 0
        let mParts = mantissa.split(separator: ".", omittingEmptySubsequences: false)
        let intPart = String(mParts[0])
        let fracPart = mParts.count > 1 ? String(mParts[1]) : ""
        var digits = Array(intPart + fracPart)
        var dp = intPart.count + exponent
        while digits.first == "0" { digits.removeFirst(); dp -= 1 }
        while digits.last == "0" { digits.removeLast() }
        if digits.isEmpty { return negative ? "-0" : "0" }
        let nd = digits.count
        let exp = dp - 1
        var out = negative ? "-" : ""
        if exp < -4 || exp >= 6 {
            out.append(digits[0])
            if nd > 1 { out += "." + String(digits[1...]) }
            let e = abs(exp)
            out += (exp < 0 ? "e-" : "e+") + (e < 10 ? "0" : "") + String(e)
        } else if dp <= 0 {
            out += "0." + String(repeating: "0", count: -dp) + String(digits)
        } else if dp >= nd {
            out += String(digits) + String(repeating: "0", count: dp - nd)
        } else {
            out += String(digits[..<dp]) + "." + String(digits[dp...])
        }
        return out
    }
}
