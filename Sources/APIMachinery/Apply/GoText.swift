import Foundation

/// Text renderings that must match what the Go API server prints byte for byte.
///
/// Field paths in conflict messages, `k:`/`v:` keys in `fieldsV1` and the last-applied annotation are all
/// produced by Go code (`fmt`'s `%q`/`%v`, `encoding/json`), and clients compare or display them verbatim,
/// so Swift's own encoders (which escape `/`, print `1e+06` differently, ...) cannot be used for them.
enum GoText {
    /// `encoding/json` compact output: object keys sorted, `<`, `>`, `&`, U+2028 and U+2029 escaped.
    static func json(_ value: JSON) -> String {
        var out = ""
        writeJSON(value, into: &out)
        return out
    }

    static func writeJSON(_ value: JSON, into out: inout String) {
        switch value {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .double(let d): out += jsonFloat(d)
        case .string(let s): writeJSONString(s, into: &out)
        case .array(let a):
            out += "["
            for (i, v) in a.enumerated() {
                if i > 0 { out += "," }
                writeJSON(v, into: &out)
            }
            out += "]"
        case .object(let o):
            out += "{"
            for (i, k) in o.keys.sorted(by: goLess).enumerated() {
                if i > 0 { out += "," }
                writeJSONString(k, into: &out)
                out += ":"
                writeJSON(o[k]!, into: &out)
            }
            out += "}"
        }
    }

    /// Go sorts map keys and compares strings by their UTF-8 bytes.
    static func goLess(_ a: String, _ b: String) -> Bool {
        a.utf8.lexicographicallyPrecedes(b.utf8)
    }

    static func writeJSONString(_ s: String, into out: inout String) {
        out += "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "<", ">", "&", "\u{2028}", "\u{2029}":
                out += String(format: "\\u%04x", u.value)
            default:
                if u.value < 0x20 {
                    out += String(format: "\\u%04x", u.value)
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        out += "\""
    }

    /// `fmt.Sprintf("%q", s)`, as `strconv.Quote`.
    static func quote(_ s: String) -> String { GoQuoting.quote(s) }

    /// `value.ToString` of structured-merge-diff: how key values appear in printed field paths.
    static func valueString(_ v: JSON) -> String {
        switch v {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .double(let d): return formatG(d)
        case .string(let s): return quote(s)
        case .array(let a): return "[" + a.map(valueString).joined(separator: ",") + "]"
        case .object(let o):
            return o.keys.sorted(by: goLess).map { "\($0)=\(valueString(o[$0]!))" }.joined()
        }
    }

    // MARK: - Floats

    /// Shortest round-trip decimal digits of a finite positive double and the decimal point position:
    /// 1234.5 → ("12345", 4); 0.001 → ("1", -2).
    static func shortestDigits(_ d: Double) -> (digits: [UInt8], point: Int) {
        let text = "\(abs(d))"
        let parts = text.split(separator: "e", maxSplits: 1)
        let exponent = parts.count > 1 ? Int(parts[1]) ?? 0 : 0
        let mantissa = parts[0].split(separator: ".", maxSplits: 1)
        let intPart = Array(mantissa[0].utf8)
        let fracPart = mantissa.count > 1 ? Array(mantissa[1].utf8) : []
        var digits = intPart + fracPart
        var point = intPart.count + exponent
        while digits.count > 1, digits.first == UInt8(ascii: "0") {
            digits.removeFirst()
            point -= 1
        }
        while digits.count > 1, digits.last == UInt8(ascii: "0") { digits.removeLast() }
        return (digits, point)
    }

    /// `%e` with the shortest digits: 1e+06, 1.5e-07.
    private static func formatE(_ digits: [UInt8], _ point: Int, negative: Bool) -> String {
        var s = negative ? "-" : ""
        s += String(decoding: digits[0..<1], as: UTF8.self)
        if digits.count > 1 { s += "." + String(decoding: digits[1...], as: UTF8.self) }
        let exp = point - 1
        s += exp < 0 ? "e-" : "e+"
        let mag = String(abs(exp))
        s += mag.count < 2 ? "0" + mag : mag
        return s
    }

    /// `%f` with the shortest digits: 1000000, 0.001.
    private static func formatF(_ digits: [UInt8], _ point: Int, negative: Bool) -> String {
        var s = negative ? "-" : ""
        if point <= 0 {
            s += "0." + String(repeating: "0", count: -point) + String(decoding: digits, as: UTF8.self)
        } else if point >= digits.count {
            s += String(decoding: digits, as: UTF8.self) + String(repeating: "0", count: point - digits.count)
        } else {
            s += String(decoding: digits[0..<point], as: UTF8.self) + "." + String(decoding: digits[point...], as: UTF8.self)
        }
        return s
    }

    /// `fmt`'s `%v` for a float64 (`%g` with the shortest precision).
    static func formatG(_ d: Double) -> String {
        guard d.isFinite else { return d.isNaN ? "NaN" : (d < 0 ? "-Inf" : "+Inf") }
        if d == 0 { return d.sign == .minus ? "-0" : "0" }
        let (digits, point) = shortestDigits(d)
        let exp = point - 1
        if exp < -4 || exp >= 6 {
            return formatE(digits, point, negative: d < 0)
        }
        return formatF(digits, point, negative: d < 0)
    }

    /// `encoding/json`'s float64 encoding.
    static func jsonFloat(_ d: Double) -> String {
        guard d.isFinite else { return "0" }
        if d == 0 { return "0" }
        let a = abs(d)
        let (digits, point) = shortestDigits(d)
        if a < 1e-6 || a >= 1e21 {
            // Go trims a two-digit negative exponent's leading zero: 1e-07 → 1e-7.
            var s = formatE(digits, point, negative: d < 0)
            if let r = s.range(of: "e-0") { s.replaceSubrange(r, with: "e-") }
            return s
        }
        return formatF(digits, point, negative: d < 0)
    }
}
