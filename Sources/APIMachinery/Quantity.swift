
/// A resource quantity (`100m`, `1`, `1.5`, `128Mi`, `1G`, `2e3`), parsed exactly as upstream's
/// `resource.ParseQuantity` scans it.
///
/// The value is kept in nano-units because upstream rounds every parsed quantity up to 10⁻⁹ and then adds
/// quantities exactly: holding nanos lets a pod's container requests be summed before the single final
/// rounding, so `milliValue` and `value` agree with upstream's `MilliValue()` / `Value()` of the sum.
public struct Quantity: Sendable, Hashable, Comparable {
    /// The value times 10⁹ (rounded away from zero at the ninth decimal place, as upstream rounds up).
    public let nanos: Int128

    public init(nanos: Int128) { self.nanos = nanos }
    public init(_ value: Int64) { nanos = Int128(value) * Self.nanosPerUnit }
    public init(milli: Int64) { nanos = Int128(milli) * 1_000_000 }

    public static let zero = Quantity(nanos: 0)
    static let nanosPerUnit: Int128 = 1_000_000_000

    /// The value in thousandths, rounded away from zero (upstream `MilliValue()`); saturates at the
    /// `Int64` bounds where upstream would wrap.
    public var milliValue: Int64 { Self.scaledDown(nanos, by: 1_000_000) }

    /// The value in units, rounded away from zero (upstream `Value()`): bytes for memory, cores for cpu.
    public var value: Int64 { Self.scaledDown(nanos, by: Self.nanosPerUnit) }

    public var isZero: Bool { nanos == 0 }

    public static func < (a: Quantity, b: Quantity) -> Bool { a.nanos < b.nanos }

    /// Saturating sum: quantities never wrap.
    public static func + (a: Quantity, b: Quantity) -> Quantity {
        let (sum, overflow) = a.nanos.addingReportingOverflow(b.nanos)
        if overflow { return Quantity(nanos: a.nanos > 0 ? .max : .min) }
        return Quantity(nanos: sum)
    }

    private static func scaledDown(_ nanos: Int128, by divisor: Int128) -> Int64 {
        let magnitude = nanos.magnitude
        let d = divisor.magnitude
        var q = magnitude / d
        if magnitude % d != 0 { q += 1 }
        if nanos >= 0 { return q > UInt128(Int64.max) ? .max : Int64(q) }
        return q > UInt128(Int64.max) ? .min : -Int64(q)
    }
}

/// Why a string is not a quantity; the texts are upstream's `ErrFormatWrong`, `ErrNumeric` and `ErrSuffix`.
public enum QuantityParseError: Error, Sendable, Equatable, CustomStringConvertible {
    case formatWrong
    case numeric
    case suffix

    public var description: String {
        switch self {
        case .formatWrong:
            return "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
        case .numeric: return "unable to parse numeric part of quantity"
        case .suffix: return "unable to parse quantity's suffix"
        }
    }
}

extension Quantity {
    /// Parses a quantity string with upstream's scanner: optional sign, digits with an optional fraction,
    /// then a decimal SI (`n u m k M G T P E`), binary SI (`Ki … Ei`) or exponent (`e3`, `E-2`) suffix.
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
        let pow10: Int
        let pow2: Int
        if base == 2 {
            pow10 = -scanned.denom.count
            pow2 = exponent
        } else {
            pow10 = exponent - scanned.denom.count
            pow2 = 0
        }
        var magnitude = Self.nanoMagnitude(digits: digits, pow10: pow10, pow2: pow2)
        // Upstream caps binary-suffixed values at 2⁶³-1 units.
        if base == 2 {
            let cap = UInt128(Int64.max) * UInt128(Self.nanosPerUnit.magnitude)
            if magnitude > cap { magnitude = cap }
        }
        let signed = Int128(magnitude)
        nanos = scanned.positive ? signed : -signed
    }

    /// Reads a quantity as it appears in an object: a string, or a bare JSON number (kubectl sends
    /// `cpu: 1` from YAML as a number; upstream's `UnmarshalJSON` parses the number's text). `null` is zero.
    public init(json: JSON) throws(QuantityParseError) {
        switch json {
        case .string(let s): try self.init(parsing: s)
        case .int(let i): self.init(i)
        case .double(let d):
            guard d.isFinite else { throw .formatWrong }
            try self.init(parsing: "\(d)")
        case .null: self = .zero
        default: throw .formatWrong
        }
    }

    private struct Scanned {
        var positive = true
        var num: [UInt8] = []
        var denom: [UInt8] = []
        var suffix: [UInt8] = []
    }

    private static func isDigit(_ c: UInt8) -> Bool { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }

    private static let suffixCharacters: Set<UInt8> = Set("eEinumkKMGTP".utf8)

    /// Upstream's `parseQuantityString`, step for step (including its leniencies: `1.G`, a lone `.`).
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

    /// Upstream's suffixer: decimal SI, then binary SI, then `e`/`E` followed by an integer exponent.
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
            // Upstream truncates to int32; exponents that large saturate or vanish either way.
            return (10, Int(max(-1000, min(1000, e))))
        }
    }

    private static let saturated = UInt128(Int128.max) / 4

    private static func integer(_ digits: ArraySlice<UInt8>) -> UInt128 {
        var x: UInt128 = 0
        for d in digits { x = x * 10 + UInt128(d - UInt8(ascii: "0")) }
        return x
    }

    private static func pow10(_ n: Int) -> UInt128 {
        var x: UInt128 = 1
        for _ in 0..<n { x *= 10 }
        return x
    }

    /// ⌈digits × 2^pow2 × 10^(pow10+9)⌉: the magnitude in nanos, rounded up (away from zero) as upstream
    /// rounds to nano precision; saturates far beyond any representable request.
    private static func nanoMagnitude(digits: ArraySlice<UInt8>, pow10 p10: Int, pow2: Int) -> UInt128 {
        if digits.isEmpty { return 0 }
        let e = p10 + 9
        if e >= 0 {
            if digits.count + e > 37 { return saturated }
            let x = integer(digits) * pow10(e)
            if pow2 > 0 {
                if x > saturated >> UInt128(pow2) { return saturated }
                return x << UInt128(pow2)
            }
            return x
        }
        let m = -e
        let tailCount = min(m, digits.count)
        let head = digits.dropLast(tailCount)
        let tail = digits.suffix(tailCount)
        if head.count > 37 { return saturated }
        var q = integer(head)
        if pow2 == 0 {
            if tail.contains(where: { $0 != UInt8(ascii: "0") }) { q += 1 }
            return q
        }
        if q > saturated >> UInt128(pow2) { return saturated }
        q <<= UInt128(pow2)
        // The fraction tail / 10^m, scaled by 2^pow2 (≤ 2⁶⁰): at most 19 fraction digits are kept exactly;
        // further digits only mark the value as inexact (values that precise are not real requests).
        var fractionDigits = Array(repeating: UInt8(ascii: "0"), count: m - tailCount) + Array(tail)
        var sticky = false
        if fractionDigits.count > 19 {
            sticky = fractionDigits[19...].contains(where: { $0 != UInt8(ascii: "0") })
            fractionDigits = Array(fractionDigits.prefix(19))
        }
        let scale = pow10(fractionDigits.count)
        let t = integer(fractionDigits[...]) << UInt128(pow2)
        q += t / scale
        if t % scale != 0 || sticky { q += 1 }
        return min(q, saturated)
    }
}
