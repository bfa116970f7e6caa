/// Reading quantities as upstream does: `ParseQuantity` for text, `UnmarshalJSON` for object fields.
extension Quantity {
    /// Upstream's `ParseQuantity`: optional sign, digits with an optional fraction, then a decimal SI
    /// (`n u m k M G T P E`), binary SI (`Ki … Ei`) or exponent (`e3`, `E-2`) suffix. Surrounding spaces
    /// are an error here (`"1Gi "` fails upstream too); `init(json:)` trims them as `UnmarshalJSON` does.
    public init(parsing string: String) throws(QuantityParseError) {
        let b = Array(string.utf8)
        if b.isEmpty { throw .formatWrong }
        if b == [UInt8(ascii: "0")] {
            self = .zero
            return
        }
        let scanned = try Self.scan(b)
        guard let (base, exponent) = Self.interpret(suffix: scanned.suffix) else { throw .suffix }
        var digits = ArraySlice(scanned.num + scanned.denom)
        while let first = digits.first, first == UInt8(ascii: "0") { digits = digits.dropFirst() }
        let (significand, dropped) = Self.significand(of: digits)
        let sign: Int128 = scanned.positive ? 1 : -1
        if base == 10 {
            // The SI suffixes are at most one character; anything longer is an exponent (`e3`, `E-2`).
            self.init(
                significand: sign * significand, exponent: exponent + dropped - scanned.denom.count,
                format: scanned.suffix.count <= 1 ? .decimalSI : .decimalExponent)
            return
        }
        let nanos = Self.binaryNanos(significand, powerOfTen: dropped - scanned.denom.count, powerOfTwo: exponent)
        // Values between 0 and 1 unit are DecimalSI upstream, "to avoid rounding and confusion".
        self.init(nanos: sign * nanos, format: nanos < 1_000_000_000 ? .decimalSI : .binarySI)
    }

    /// Upstream's `UnmarshalJSON`: a string (surrounding white space trimmed, as `strings.TrimSpace` does)
    /// or a bare JSON number (kubectl sends `cpu: 1` from YAML as a number) is parsed; `null` is zero.
    public init(json: JSON) throws(QuantityParseError) {
        switch json {
        case .string(let s): try self.init(parsing: Self.trimmingWhiteSpace(s))
        case .int(let i): self.init(i)
        case .double(let d):
            guard d.isFinite else { throw .formatWrong }
            try self.init(parsing: "\(d)")
        case .null: self = .zero
        default: throw .formatWrong
        }
    }

    /// Go's `strings.TrimSpace`: Unicode White_Space at both ends.
    private static func trimmingWhiteSpace(_ s: String) -> String {
        let scalars = s.unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
              let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return String(scalars[first...last])
    }

    private struct Scanned {
        var positive = true
        var num: [UInt8] = []
        var denom: [UInt8] = []
        var suffix: [UInt8] = []
    }

    private static func isDigit(_ c: UInt8) -> Bool { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }

    private static let suffixCharacters: Set<UInt8> = Set("eEinumkKMGTP".utf8)

    /// Upstream's `parseQuantityString`, step for step (including its leniencies: `1.G`, a lone `.`, a bare
    /// suffix such as `Mi`, which reads as zero).
    private static func scan(_ b: [UInt8]) throws(QuantityParseError) -> Scanned {
        var out = Scanned()
        let end = b.count
        var pos = 0
        if b[0] == UInt8(ascii: "-") {
            out.positive = false
            pos = 1
        } else if b[0] == UInt8(ascii: "+") {
            pos = 1
        }
        while pos < end, b[pos] == UInt8(ascii: "0") { pos += 1 }
        if pos >= end { return out }
        let numStart = pos
        while pos < end, isDigit(b[pos]) { pos += 1 }
        out.num = Array(b[numStart..<pos])
        if pos >= end { return out }
        if b[pos] == UInt8(ascii: ".") {
            pos += 1
            let denomStart = pos
            while pos < end, isDigit(b[pos]) { pos += 1 }
            out.denom = Array(b[denomStart..<pos])
            if pos >= end { return out }
        }
        let suffixStart = pos
        while pos < end, suffixCharacters.contains(b[pos]) { pos += 1 }
        if pos < end, b[pos] == UInt8(ascii: "-") || b[pos] == UInt8(ascii: "+") { pos += 1 }
        while pos < end, isDigit(b[pos]) { pos += 1 }
        if pos < end { throw .formatWrong }
        out.suffix = Array(b[suffixStart..<end])
        return out
    }

    /// Upstream's suffixer: decimal SI, then binary SI, then `e`/`E` and an `Int64` exponent, which upstream
    /// then truncates to `Int32`.
    private static func interpret(suffix: [UInt8]) -> (base: Int, exponent: Int)? {
        switch String(decoding: suffix, as: UTF8.self) {
        case "n": return (10, -9)
        case "u": return (10, -6)
        case "m": return (10, -3)
        case "": return (10, 0)
        case "k": return (10, 3)
        case "M": return (10, 6)
        case "G": return (10, 9)
        case "T": return (10, 12)
        case "P": return (10, 15)
        case "E": return (10, 18)
        case "Ki": return (2, 10)
        case "Mi": return (2, 20)
        case "Gi": return (2, 30)
        case "Ti": return (2, 40)
        case "Pi": return (2, 50)
        case "Ei": return (2, 60)
        default:
            guard suffix.count > 1, suffix[0] == UInt8(ascii: "e") || suffix[0] == UInt8(ascii: "E"),
                  let e = Int64(String(decoding: suffix.dropFirst(), as: UTF8.self))
            else { return nil }
            return (10, Int(Int32(truncatingIfNeeded: e)))
        }
    }

    /// The digits as an integer and how many trailing digits were dropped to fit 38 (rounding up when any
    /// of them was non-zero).
    private static func significand(of digits: ArraySlice<UInt8>) -> (Int128, Int) {
        let kept = digits.prefix(38)
        var x: Int128 = 0
        for d in kept { x = x * 10 + Int128(d - UInt8(ascii: "0")) }
        let rest = digits.dropFirst(38)
        if rest.contains(where: { $0 != UInt8(ascii: "0") }) { x += 1 }
        return (x, rest.count)
    }

    /// Upstream caps binary-suffixed values at 2⁶³-1 units.
    private static let binaryCapNanos = Int128(Int64.max) * 1_000_000_000

    /// ⌈m × 10^p10 × 2^p2⌉ in nano-units, capped as upstream caps BinarySI values.
    private static func binaryNanos(_ m: Int128, powerOfTen p10: Int, powerOfTwo p2: Int) -> Int128 {
        guard m != 0 else { return 0 }
        guard p2 < 127, m <= Int128.max >> p2 else { return binaryCapNanos }
        let shifted = m << p2
        let e = p10 + 9
        let nanos: Int128
        if e >= 0 {
            guard let scaled = scaled(shifted, byPowerOfTen: e) else { return binaryCapNanos }
            nanos = scaled
        } else {
            nanos = divideAwayFromZero(shifted, byPowerOfTen: -e)
        }
        return min(nanos, binaryCapNanos)
    }
}
