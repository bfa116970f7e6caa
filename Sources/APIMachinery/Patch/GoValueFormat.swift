import Foundation

/// Renders JSON values the way Go's `%v` prints decoded JSON (`map[image:nginx name:web]`, `[a b]`, `<nil>`).
///
/// Strategic-merge-patch errors that upstream returns as plain errors reach the client verbatim as the Status
/// message (e.g. "map: map[image:nginx] does not contain declared merge key: name"), so the values inside them
/// are printed with Go's formatting rather than as JSON.
public enum GoValueFormat {
    static func string(_ value: JSON) -> String {
        switch value {
        case .null: return "<nil>"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .double(let d): return float(d)
        case .string(let s): return s
        case .array(let a): return "[" + a.map(string).joined(separator: " ") + "]"
        case .object(let o):
            return "map[" + o.keys.sorted().map { "\($0):\(string(o[$0]!))" }.joined(separator: " ") + "]"
        }
    }

    /// `%v` of a `[]interface{}` list of lists, as `fmt.Sprint(slices)` prints them.
    static func string(lists: [[JSON]]) -> String {
        "[" + lists.map { string(.array($0)) }.joined(separator: " ") + "]"
    }

    /// Go's `%v` for float64: `%g` with the shortest precision, which switches to exponent form from 1e+06 up
    /// and below 1e-04 (`1e+06`, `1.5e-05`), and otherwise prints no trailing `.0`.
    static func float(_ d: Double) -> String {
        guard d.isFinite else { return d.isNaN ? "NaN" : (d > 0 ? "+Inf" : "-Inf") }
        if d == 0 { return "0" }
        let exponent = Int(floor(log10(abs(d))))
        if exponent < -4 || exponent >= 6 {
            // Swift prints "1e+06" as "1000000.0"; build Go's mantissa/exponent form instead.
            var mantissa = d / pow(10, Double(exponent))
            var exp = exponent
            if abs(mantissa) >= 10 { mantissa /= 10; exp += 1 }
            var m = "\(mantissa)"
            if m.hasSuffix(".0") { m.removeLast(2) }
            let sign = exp < 0 ? "-" : "+"
            let digits = String(abs(exp))
            return m + "e" + sign + (digits.count < 2 ? "0" + digits : digits)
        }
        var s = "\(d)"
        if s.hasSuffix(".0") { s.removeLast(2) }
        return s
    }

    /// The Go type name `reflect.TypeOf` reports for a decoded JSON value (used in "expected a X, but received a Y").
    static func typeName(_ value: JSON?) -> String {
        switch value {
        case nil, .null?: return "%!s(<nil>)"
        case .bool?: return "bool"
        case .int?: return "int64"
        case .double?: return "float64"
        case .string?: return "string"
        case .array?: return "[]interface {}"
        case .object?: return "map[string]interface {}"
        }
    }

    /// The name Go's encoding/json uses for a JSON value's kind in "cannot unmarshal X into ..." messages.
    public static func jsonKind(_ value: JSON) -> String {
        switch value {
        case .null: return "null"
        case .bool: return "bool"
        case .int, .double: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }
}
