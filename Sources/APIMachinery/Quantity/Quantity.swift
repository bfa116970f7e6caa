/// A resource quantity (`100m`, `1`, `1.5`, `128Mi`, `1G`, `2e3`, `1E30`) with upstream's
/// `resource.Quantity` semantics: parsed by `ParseQuantity`'s scanner, rounded up to nano-units, compared
/// by value, and written in canonical form (`Quantity+Canonical.swift`).
///
/// The value is `significand × 10^exponent` with `exponent ≥ -9` (upstream rounds every parsed value up to
/// 10⁻⁹) and no trailing zeros in the significand, so equal values have equal representations. That holds
/// what upstream's `inf.Dec` holds for every quantity with up to 38 significant digits, including ones far
/// beyond `Int64` (`1E30` is valid upstream and canonicalises to `1e30`); longer significands are rounded
/// up at the 38th digit. Sums are exact, so a pod's requests are added before the single final rounding of
/// `milliValue` / `value`, as upstream adds `inf.Dec`s.
public struct Quantity: Sendable, Hashable, Comparable {
    /// Which of upstream's formats the canonical text uses; kept from the parsed suffix, as upstream does.
    public enum Format: Sendable, Hashable { case decimalSI, binarySI, decimalExponent }

    public let significand: Int128
    public let exponent: Int
    public var format: Format

    /// `significand × 10^exponent`, rounded up (away from zero) to nano-units and normalised.
    public init(significand: Int128, exponent: Int, format: Format = .decimalSI) {
        var m = significand
        var e = exponent
        if m == 0 {
            e = 0
        } else if e < -9 {
            m = Self.divideAwayFromZero(m, byPowerOfTen: -9 - e)
            e = -9
        }
        while m != 0 && m % 10 == 0 {
            m /= 10
            e += 1
        }
        self.significand = m
        self.exponent = e
        self.format = format
    }

    public init(nanos: Int128, format: Format = .decimalSI) { self.init(significand: nanos, exponent: -9, format: format) }
    public init(_ value: Int64) { self.init(significand: Int128(value), exponent: 0) }
    public init(milli: Int64) { self.init(significand: Int128(milli), exponent: -3) }

    public static let zero = Quantity(significand: 0, exponent: 0)

    public var isZero: Bool { significand == 0 }
    public var isNegative: Bool { significand < 0 }

    /// The value times 10⁹; saturates at the `Int128` bounds (about 1.7 × 10²⁹ units).
    public var nanos: Int128 { Self.saturating(significand, timesPowerOfTen: exponent + 9) }

    /// `MilliValue()`: the value in thousandths, rounded away from zero; saturates at the `Int64` bounds
    /// where upstream's would overflow.
    public var milliValue: Int64 { scaledValue(-3) }

    /// `Value()`: the value in units (bytes for memory, cores for cpu), rounded away from zero; saturates at
    /// the `Int64` bounds.
    public var value: Int64 { scaledValue(0) }

    /// Whether the value is a whole number of units (upstream's `AsScale(0)` being exact).
    public var isWhole: Bool { exponent >= 0 || significand == 0 }

    /// `RoundUp(scale)`: rounded away from zero to a multiple of 10^scale; `RoundUp(-3)` is milli-units.
    public func roundedUp(toScale scale: Int) -> Quantity {
        guard exponent < scale else { return self }
        let m = Self.divideAwayFromZero(significand, byPowerOfTen: scale - exponent)
        return Quantity(significand: m, exponent: scale, format: format)
    }

    // MARK: Comparison and arithmetic

    public static func == (a: Quantity, b: Quantity) -> Bool { a.significand == b.significand && a.exponent == b.exponent }
    public func hash(into h: inout Hasher) {
        h.combine(significand)
        h.combine(exponent)
    }

    public static func < (a: Quantity, b: Quantity) -> Bool {
        if a.significand.signum() != b.significand.signum() { return a.significand.signum() < b.significand.signum() }
        if a.significand == 0 { return false }
        // Same sign, both non-zero: compare magnitudes by aligning exponents; a shift that overflows means
        // the shifted side is the larger one.
        let (x, y) = (a.significand.magnitude, b.significand.magnitude)
        let lessInMagnitude: Bool
        if a.exponent >= b.exponent {
            guard let scaled = Self.scaled(x, byPowerOfTen: a.exponent - b.exponent) else { return a.significand < 0 }
            lessInMagnitude = scaled < y
        } else {
            guard let scaled = Self.scaled(y, byPowerOfTen: b.exponent - a.exponent) else { return a.significand > 0 }
            lessInMagnitude = x < scaled
        }
        return a.significand > 0 ? lessInMagnitude : !lessInMagnitude && a != b
    }

    /// The exact sum, in the format of the first non-zero operand (upstream's `Add`); sums that need more
    /// than 38 significant digits saturate.
    public static func + (a: Quantity, b: Quantity) -> Quantity {
        if b.isZero { return a }
        if a.isZero { return b }
        let e = min(a.exponent, b.exponent)
        let format = a.format
        guard let x = scaled(a.significand, byPowerOfTen: a.exponent - e),
              let y = scaled(b.significand, byPowerOfTen: b.exponent - e)
        else {
            let dominant = a.exponent > b.exponent ? a : b
            return Quantity(significand: dominant.significand > 0 ? .max : .min, exponent: dominant.exponent, format: format)
        }
        let (sum, overflow) = x.addingReportingOverflow(y)
        if overflow { return Quantity(significand: x > 0 ? .max : .min, exponent: e, format: format) }
        return Quantity(significand: sum, exponent: e, format: format)
    }

    public static prefix func - (q: Quantity) -> Quantity {
        Quantity(significand: q.significand == .min ? .max : -q.significand, exponent: q.exponent, format: q.format)
    }

    // MARK: Decimal helpers

    private func scaledValue(_ scale: Int) -> Int64 {
        let shift = exponent - scale
        let v: Int128
        if shift >= 0 {
            v = Self.saturating(significand, timesPowerOfTen: shift)
        } else {
            v = Self.divideAwayFromZero(significand, byPowerOfTen: -shift)
        }
        if v > Int128(Int64.max) { return .max }
        if v < Int128(Int64.min) { return .min }
        return Int64(v)
    }

    /// 10ⁿ, or nil beyond `Int128` (n > 38).
    static func powerOfTen(_ n: Int) -> Int128? {
        guard n >= 0, n <= 38 else { return nil }
        var r: Int128 = 1
        for _ in 0..<n { r *= 10 }
        return r
    }

    static func scaled<T: FixedWidthInteger>(_ x: T, byPowerOfTen n: Int) -> T? {
        if x == 0 { return 0 }
        var r = x
        for _ in 0..<n {
            let (m, overflow) = r.multipliedReportingOverflow(by: 10)
            if overflow { return nil }
            r = m
        }
        return r
    }

    private static func saturating(_ x: Int128, timesPowerOfTen n: Int) -> Int128 {
        scaled(x, byPowerOfTen: n) ?? (x > 0 ? .max : .min)
    }

    /// x / 10ⁿ rounded away from zero (upstream rounds requests up: asking for some gets some).
    static func divideAwayFromZero(_ x: Int128, byPowerOfTen n: Int) -> Int128 {
        guard x != 0 else { return 0 }
        guard let d = powerOfTen(n) else { return x > 0 ? 1 : -1 }  // |x| < 10³⁹ ≤ 10ⁿ
        let (q, r) = x.quotientAndRemainder(dividingBy: d)
        if r == 0 { return q }
        return x > 0 ? q + 1 : q - 1
    }
}
