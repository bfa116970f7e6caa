/// Go's `%q` and `%#v` renderings, which upstream's error messages embed (selectors, validation, apply):
/// the one implementation every module uses, so their texts agree.
public enum GoQuoting {
    /// `strconv.Quote`: double quotes, Go escapes for control characters, printable Unicode kept.
    public static func quote(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            case "\u{07}": out += "\\a"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case "\u{0B}": out += "\\v"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    out += "\\x" + hex(scalar.value, width: 2)
                } else if scalar.value >= 0x80 && !scalar.properties.isPrintableForGo {
                    out += scalar.value > 0xFFFF ? "\\U" + hex(scalar.value, width: 8) : "\\u" + hex(scalar.value, width: 4)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    /// `%#v` of a `[]string`: `[]string{"a", "b"}`, `[]string{}` or `[]string(nil)`.
    public static func stringSlice(_ values: [String]?) -> String {
        guard let values else { return "[]string(nil)" }
        return "[]string{" + values.map(quote).joined(separator: ", ") + "}"
    }

    private static func hex(_ v: UInt32, width: Int) -> String {
        let s = String(v, radix: 16)
        return String(repeating: "0", count: max(0, width - s.count)) + s
    }
}

extension Unicode.Scalar.Properties {
    /// Close to Go's `unicode.IsPrint` for non-ASCII: letters, marks, numbers, punctuation, symbols.
    fileprivate var isPrintableForGo: Bool {
        switch generalCategory {
        case .control, .format, .surrogate, .privateUse, .unassigned, .lineSeparator, .paragraphSeparator:
            return false
        case .spaceSeparator:
            return false
        default:
            return true
        }
    }
}
