import APIMachinery

extension GoSyntax {
    /// Go's `%#v` of a `resource.Quantity` as upstream's `field.Invalid` prints one (a Quantity value is no
    /// `fmt.Stringer`: its `String` has a pointer receiver), for a quantity in canonical text, which is what
    /// Skiff's defaulting leaves. The `int64Amount` is what `ParseQuantity`'s fast path makes of that text
    /// and `s` its cached canonical string, as upstream's message has already asked for it. Upstream parses
    /// the text the client sent, so a non-canonical input (`0.5`, `1000m`) shows other digits there; values
    /// beyond the fast path (`2Ei`) are printed as if it applied, where upstream shows an `inf.Dec` pointer.
    static func quantity(_ canonical: String) -> String {
        var text = Substring(canonical)
        let negative = text.hasPrefix("-")
        if negative || text.hasPrefix("+") { text = text.dropFirst() }
        let digits = text.prefix { $0.isNumber }
        let suffix = text.dropFirst(digits.count)
        let binary: [Substring: Int] = ["Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60]
        let decimal: [Substring: Int] = ["n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18]
        var value = Int64(digits) ?? 0
        var scale = 0
        let format: String
        if let shift = binary[suffix] {
            format = "BinarySI"
            value = value.multipliedReportingOverflow(by: Int64(1) << Int64(shift)).partialValue
        } else if let e = decimal[suffix] {
            format = "DecimalSI"
            scale = e
        } else {
            format = "DecimalExponent"
            scale = Int(suffix.dropFirst()) ?? 0
        }
        // `SetDefaults_ResourceList` rounds up to milli-units.
        while scale < -3 {
            value = value / 10 + (value % 10 == 0 ? 0 : 1)
            scale += 1
        }
        if negative { value = -value }
        return "resource.Quantity{i:resource.int64Amount{value:\(value), scale:\(scale)}, d:resource.infDecAmount{Dec:(*inf.Dec)(nil)}, "
            + "s:\(quote(canonical)), Format:\(quote(format))}"
    }
}
