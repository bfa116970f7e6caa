import APIMachinery

/// A resource quantity (`500m`, `1Gi`, `2`) with upstream's parsing, comparison and canonical form.
///
/// Upstream stores quantities as numbers and always serialises them canonically, so a pod created with
/// `cpu: "0.5"` reads back as `cpu: 500m` and `memory: 1024Mi` as `1Gi`; defaulting rewrites resource
/// lists to this form so clients see the same. Values are kept in nano-units (upstream's smallest scale,
/// rounding up), which fits every quantity a cluster uses in 128 bits.
public struct Quantity: Sendable, Hashable, Comparable, CustomStringConvertible {
    public enum Format: Sendable, Hashable { case decimalSI, binarySI, decimalExponent }

    /// The value times 10^9, rounded away from zero.
    public var nanos: Int128
    public var format: Format

    public init(nanos: Int128, format: Format) {
        self.nanos = nanos
        self.format = format
    }

    /// The message upstream's decoder gives for a malformed quantity.
    public static let formatErrorMessage = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"

    public static func < (a: Quantity, b: Quantity) -> Bool { a.nanos < b.nanos }
    public static func == (a: Quantity, b: Quantity) -> Bool { a.nanos == b.nanos }
    public func hash(into h: inout Hasher) { h.combine(nanos) }

    public var isZero: Bool { nanos == 0 }
    /// `MilliValue()`: the value in thousandths, rounded up.
    public var milliValue: Int128 { Self.divideRoundingUp(nanos, 1_000_000) }

    /// A quantity from a JSON value: a string, or a number as upstream's decoder also accepts.
    public static func from(_ json: JSON?) -> Quantity? {
        switch json {
        case .string(let s)?: return parse(s.trimmingSpaces)
        case .int(let i)?: return parse(String(i))
        case .double(let d)?: return d.isFinite ? parse(String(d)) : nil
        default: return nil
        }
    }

    /// Upstream's `ParseQuantity`; nil when the text is not a quantity.
    public static func parse(_ str: String) -> Quantity? {
        let b = Array(str.utf8)
        guard !b.isEmpty else { return nil }
        var i = 0
        var negative = false
        if b[i] == 0x2B || b[i] == 0x2D { negative = b[i] == 0x2D; i += 1 }
        var whole: [UInt8] = [], frac: [UInt8] = []
        while i < b.count, isDigit(b[i]) { whole.append(b[i]); i += 1 }
        if i < b.count, b[i] == 0x2E {
            i += 1
            while i < b.count, isDigit(b[i]) { frac.append(b[i]); i += 1 }
        }
        guard !(whole.isEmpty && frac.isEmpty) else { return nil }
        let suffix = String(decoding: b[i...], as: UTF8.self)
        // Suffix: decimal SI, binary SI, or an exponent.
        var base10Exp = 0, base2Exp = 0
        let format: Format
        switch suffix {
        case "": format = .decimalSI
        case "n": format = .decimalSI; base10Exp = -9
        case "u": format = .decimalSI; base10Exp = -6
        case "m": format = .decimalSI; base10Exp = -3
        case "k": format = .decimalSI; base10Exp = 3
        case "M": format = .decimalSI; base10Exp = 6
        case "G": format = .decimalSI; base10Exp = 9
        case "T": format = .decimalSI; base10Exp = 12
        case "P": format = .decimalSI; base10Exp = 15
        case "E": format = .decimalSI; base10Exp = 18
        case "Ki": format = .binarySI; base2Exp = 10
        case "Mi": format = .binarySI; base2Exp = 20
        case "Gi": format = .binarySI; base2Exp = 30
        case "Ti": format = .binarySI; base2Exp = 40
        case "Pi": format = .binarySI; base2Exp = 50
        case "Ei": format = .binarySI; base2Exp = 60
        default:
            let s = Array(suffix.utf8)
            guard s.count >= 2, s[0] == 0x65 || s[0] == 0x45 else { return nil }
            var j = 1
            var expNeg = false
            if s[j] == 0x2B || s[j] == 0x2D { expNeg = s[j] == 0x2D; j += 1 }
            guard j < s.count, s[j...].allSatisfy(isDigit), s.count - j <= 4,
                let e = Int(String(decoding: s[j...], as: UTF8.self)) else { return nil }
            format = .decimalExponent
            base10Exp = expNeg ? -e : e
        }
        // value = digits / 10^frac.count * 10^base10Exp * 2^base2Exp; nanos = value * 10^9.
        let digits = (whole + frac).drop(while: { $0 == 0x30 })
        guard digits.count <= 36 else { return nil }
        var mantissa: Int128 = 0
        for d in digits { mantissa = mantissa * 10 + Int128(d - 0x30) }
        var num = mantissa
        var den: Int128 = 1
        let scale = 9 + base10Exp - frac.count
        if scale >= 0 {
            guard let p = pow10(scale), let m = checkedMul(num, p) else { return nil }
            num = m
        } else {
            guard let p = pow10(-scale) else { return mantissa == 0 ? Quantity(nanos: 0, format: format) : nil }
            den = p
        }
        if base2Exp > 0 {
            guard let m = checkedMul(num, Int128(1) << base2Exp) else { return nil }
            num = m
        }
        let magnitude = divideRoundingUp(num, den)
        return Quantity(nanos: negative ? -magnitude : magnitude, format: format)
    }

    /// Rounds up to a multiple of 10^scale nano-units' worth: `RoundUp(-3)` is `roundedUp(toScale: -3)`.
    public func roundedUp(toScale scale: Int) -> Quantity {
        let step = Self.pow10(scale + 9) ?? 1
        let mag = Self.divideRoundingUp(nanos.magnitude128, step) * step
        return Quantity(nanos: nanos < 0 ? -mag : mag, format: format)
    }

    /// The canonical text (`CanonicalizeBytes`): what upstream serialises.
    public var description: String {
        if nanos == 0 { return "0" }
        var fmt = format
        if fmt == .binarySI {
            if nanos > -1024 * 1_000_000_000 && nanos < 1024 * 1_000_000_000 {
                fmt = .decimalSI
            } else if nanos % 1_000_000_000 != 0 {
                fmt = .decimalSI
            }
        }
        let sign = nanos < 0 ? "-" : ""
        var amount = nanos.magnitude128
        if fmt == .binarySI {
            amount /= 1_000_000_000
            var exp = 0
            while amount % 1024 == 0 && exp < 6 { amount /= 1024; exp += 1 }
            let suffixes = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"]
            return sign + String(amount) + suffixes[exp]
        }
        var exponent = -9
        while amount % 10 == 0 { amount /= 10; exponent += 1 }
        switch ((exponent % 3) + 3) % 3 {
        case 1: amount *= 10; exponent -= 1
        case 2: amount *= 100; exponent -= 2
        default: break
        }
        let number = sign + String(amount)
        if fmt == .decimalExponent { return exponent == 0 ? number : number + "e\(exponent)" }
        let si: [Int: String] = [-9: "n", -6: "u", -3: "m", 0: "", 3: "k", 6: "M", 9: "G", 12: "T", 15: "P", 18: "E"]
        if let s = si[exponent] { return number + s }
        return number + "e\(exponent)"
    }

    // MARK: helpers

    private static func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }

    static func pow10(_ n: Int) -> Int128? {
        guard n >= 0 else { return nil }
        var r: Int128 = 1
        for _ in 0..<n {
            guard let m = checkedMul(r, 10) else { return nil }
            r = m
        }
        return r
    }

    static func checkedMul(_ a: Int128, _ b: Int128) -> Int128? {
        let (r, o) = a.multipliedReportingOverflow(by: b)
        return o ? nil : r
    }

    static func divideRoundingUp(_ a: Int128, _ b: Int128) -> Int128 {
        let (q, r) = a.quotientAndRemainder(dividingBy: b)
        return r > 0 ? q + 1 : q
    }
}

private extension Int128 {
    var magnitude128: Int128 { self < 0 ? -self : self }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" || f == "\n" || f == "\r" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\n" || l == "\r" { s = s.dropLast() }
        return String(s)
    }
}
