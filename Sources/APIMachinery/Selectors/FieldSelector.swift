/// A field selector: an AND of `field=value` / `field!=value` terms (upstream's `fields.Selector`).
///
/// Parsed as upstream's `fields.ParseSelector`: terms split on unescaped commas, no whitespace
/// trimming, empty values allowed, `\,` `\=` `\\` escapes in values. Which fields a resource supports is
/// the server's business: it reads `requirements` and answers `field label not supported: X`.
public struct FieldSelector: Sendable, Hashable, CustomStringConvertible {
    public struct Requirement: Sendable, Hashable {
        public enum Operator: String, Sendable, Hashable {
            case equals = "="
            case notEquals = "!="
        }
        public var field: String
        public var `operator`: Operator
        public var value: String

        public init(field: String, operator op: Operator, value: String) {
            self.field = field
            self.operator = op
            self.value = value
        }
    }

    /// In upstream's order: terms sorted by their raw text.
    public let requirements: [Requirement]

    public static let everything = FieldSelector(requirements: [])

    public init(requirements: [Requirement]) {
        // Upstream drops terms whose field and value are both empty (`=` selects everything).
        self.requirements = requirements.filter { !($0.field.isEmpty && $0.value.isEmpty) }
    }

    public init(parsing selector: String) throws(SelectorParseError) {
        var parsed: [Requirement] = []
        let parts = Self.splitTerms(selector).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        for part in parts where !part.isEmpty {
            guard let (lhs, op, rhs) = Self.splitTerm(part) else {
                throw SelectorParseError("invalid selector: '\(selector)'; can't understand '\(part)'")
            }
            parsed.append(Requirement(field: lhs, operator: op, value: try Self.unescape(rhs)))
        }
        self.init(requirements: parsed)
    }

    public var isEverything: Bool { requirements.isEmpty }

    /// Missing fields read as "", as upstream's `Fields.Get`: `a=` matches objects without `a`.
    public func matches(_ fields: [String: String]) -> Bool {
        requirements.allSatisfy { r in
            let have = fields[r.field] ?? ""
            return r.operator == .equals ? have == r.value : have != r.value
        }
    }

    /// The value the first `field=value` term pins `field` to (upstream's `RequiresExactMatch`).
    public func requiresExactMatch(_ field: String) -> String? {
        requirements.first { $0.field == field && $0.operator == .equals }?.value
    }

    /// The name a `metadata.name=X` term pins; the server may then read that one key instead of listing,
    /// but must still match the whole selector against it (other terms may exclude it).
    public var exactName: String? { requiresExactMatch("metadata.name") }

    /// Upstream's `Transform`: rewrites each term (e.g. field label conversion, which throws
    /// "field label not supported: X"); terms rewritten to an empty field and value are dropped.
    public func transformed<E: Error>(
        _ transform: (_ field: String, _ value: String) throws(E) -> (field: String, value: String)
    ) throws(E) -> FieldSelector {
        var out: [Requirement] = []
        for r in requirements {
            let (f, v) = try transform(r.field, r.value)
            out.append(Requirement(field: f, operator: r.operator, value: v))
        }
        return FieldSelector(requirements: out)
    }

    /// Upstream's `String()`: `field=escaped-value` terms joined by commas.
    public var description: String {
        requirements.map { $0.field + $0.operator.rawValue + Self.escape($0.value) }.joined(separator: ",")
    }

    /// Upstream's `EscapeValue`.
    public static func escape(_ value: String) -> String {
        var out = ""
        for ch in value.unicodeScalars {
            if ch == "\\" || ch == "," || ch == "=" { out += "\\" }
            out.unicodeScalars.append(ch)
        }
        return out
    }

    /// Splits on commas not preceded by a backslash; the backslash stays in the term.
    static func splitTerms(_ selector: String) -> [String] {
        if selector.isEmpty { return [] }
        var terms: [String] = []
        var current = String.UnicodeScalarView()
        var inSlash = false
        for c in selector.unicodeScalars {
            if inSlash {
                inSlash = false
            } else if c == "\\" {
                inSlash = true
            } else if c == "," {
                terms.append(String(current))
                current = String.UnicodeScalarView()
                continue
            }
            current.append(c)
        }
        terms.append(String(current))
        return terms
    }

    /// The first `!=`, `==` or `=` splits the term; the left side cannot be escaped.
    static func splitTerm(_ term: String) -> (String, Requirement.Operator, String)? {
        let scalars = Array(term.unicodeScalars)
        for i in scalars.indices {
            for (token, op) in [("!=", Requirement.Operator.notEquals), ("==", .equals), ("=", .equals)] {
                let t = Array(token.unicodeScalars)
                if i + t.count <= scalars.count && Array(scalars[i..<(i + t.count)]) == t {
                    var lhs = String.UnicodeScalarView()
                    lhs.append(contentsOf: scalars[..<i])
                    var rhs = String.UnicodeScalarView()
                    rhs.append(contentsOf: scalars[(i + t.count)...])
                    return (String(lhs), op, String(rhs))
                }
            }
        }
        return nil
    }

    /// Upstream's `UnescapeValue`, including its message that prints the offending rune as a number.
    static func unescape(_ s: String) throws(SelectorParseError) -> String {
        var out = String.UnicodeScalarView()
        var inSlash = false
        for c in s.unicodeScalars {
            if inSlash {
                guard c == "\\" || c == "," || c == "=" else {
                    throw SelectorParseError("invalid field selector: invalid escape sequence: \\\(Character(c))")
                }
                out.append(c)
                inSlash = false
                continue
            }
            switch c {
            case "\\": inSlash = true
            case ",", "=": throw SelectorParseError("invalid field selector: unescaped character in value: \(c.value)")
            default: out.append(c)
            }
        }
        if inSlash { throw SelectorParseError("invalid field selector: invalid escape sequence: \\") }
        return String(out)
    }
}
