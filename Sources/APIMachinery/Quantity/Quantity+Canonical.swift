/// The canonical text of a quantity: upstream's `Quantity.String()` (`CanonicalizeBytes`), which is what the
/// API server stores and returns, so `cpu: "0.5"` reads back as `500m` and `memory: 1024Mi` as `1Gi`.
extension Quantity: CustomStringConvertible {
    public var description: String {
        if isZero { return "0" }
        var format = self.format
        var units: Int128?
        if format == .binarySI {
            // BinarySI only for whole values of at least 1024 in magnitude; otherwise DecimalSI, so nothing
            // is rounded.
            units = isWhole ? Self.scaled(significand, byPowerOfTen: exponent) : nil
            if let u = units, u > -1024, u < 1024 { units = nil }
            if units == nil { format = .decimalSI }
        }
        let sign = significand < 0 ? "-" : ""
        if format == .binarySI, let u = units {
            var amount = u.magnitude
            var power = 0
            while amount % 1024 == 0 && power < 6 {
                amount /= 1024
                power += 1
            }
            return sign + String(amount) + ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"][power]
        }
        // The significand has no trailing zeros; pad it so the exponent is a multiple of three.
        var digits = String(significand.magnitude)
        var e = exponent
        while e % 3 != 0 {
            digits += "0"
            e -= 1
        }
        let number = sign + digits
        if format == .decimalExponent { return e == 0 ? number : number + "e\(e)" }
        // Upstream has no DecimalSI suffix past E (10¹⁸) and would print the bare number, changing the value;
        // the exponent form keeps it.
        switch e {
        case -9: return number + "n"
        case -6: return number + "u"
        case -3: return number + "m"
        case 0: return number
        case 3: return number + "k"
        case 6: return number + "M"
        case 9: return number + "G"
        case 12: return number + "T"
        case 15: return number + "P"
        case 18: return number + "E"
        default: return number + "e\(e)"
        }
    }
}
