/// Upstream's `apiequality.Semantic.DeepEqual` over JSON: the one answer Skiff gives to "did this change"
/// (pod update rules, generation bumps, and controllers deciding whether a status or template differs).
///
/// Upstream compares decoded structs with `reflect`-based deep equality plus three overrides, and the JSON
/// form follows from that:
/// - a nil and an empty slice or map are equal (`conversion.Equalities.DeepEqual`), and a field that is
///   absent, `null`, `""`, `0` or `false` decodes to the same Go zero value, so all of these compare equal,
///   and so does an object all of whose fields are such values.
///   (Two approximations follow from not knowing the schema: a pointer field set to its zero value, and a
///   map entry whose value is `""`, compare equal to an absent one, where upstream's would differ.)
/// - `resource.Quantity` compares by value (`1` = `1000m`), here for the values of the resource-list maps
///   (`requests`, `limits`, `capacity`, `allocatable`, `overhead`, `hard`, `used`) and of `sizeLimit` and
///   `divisor`; elsewhere `"1"` and `"1.0"` are different strings, as they are to upstream.
/// - `metav1.Time` and `MicroTime` compare by instant, here any two strings that both parse as RFC 3339.
/// - numbers compare by value (`1` = `1.0`), since both decode to the same Go number.
/// (`labels.Selector` compares by its string, which never occurs in an object's JSON.)
public enum Semantic {
    public static func equal(_ a: JSON?, _ b: JSON?) -> Bool { equal(a, b, .plain) }

    /// Whether a JSON value decodes to a Go zero value: absent, null, `""`, `0`, `false`, `[]` or `{}`.
    public static func isZeroValue(_ v: JSON?) -> Bool {
        switch v {
        case nil, .null?: return true
        case .string(let s)?: return s.isEmpty
        case .bool(let b)?: return !b
        case .int(let i)?: return i == 0
        case .double(let d)?: return d == 0
        case .array(let a)?: return a.isEmpty
        case .object(let o)?: return o.isEmpty
        }
    }

    /// What the schema says a value is, as far as equality cares.
    private enum Context { case plain, quantityMap, quantity }

    private static let quantityMapKeys: Set<String> = ["requests", "limits", "capacity", "allocatable", "overhead", "hard", "used"]
    private static let quantityKeys: Set<String> = ["sizeLimit", "divisor"]

    private static func equal(_ a: JSON?, _ b: JSON?, _ context: Context) -> Bool {
        let za = isZeroValue(a), zb = isZeroValue(b)
        // A struct whose fields are all zero is the zero struct: compare an object with an absent or null
        // side field by field rather than by the emptiness of the whole.
        if case .object(let x)? = a, zb { return objectsEqual(x, [:], context) }
        if case .object(let y)? = b, za { return objectsEqual([:], y, context) }
        if za || zb { return za && zb }
        guard let a, let b else { return false }
        if context == .quantity, let qa = try? Quantity(json: a), let qb = try? Quantity(json: b) { return qa == qb }
        switch (a, b) {
        case let (.object(x), .object(y)):
            return objectsEqual(x, y, context)
        case let (.array(x), .array(y)):
            return x.count == y.count && zip(x, y).allSatisfy { equal($0, $1, .plain) }
        case let (.string(x), .string(y)):
            if x == y { return true }
            if let tx = Timestamp(rfc3339: x), let ty = Timestamp(rfc3339: y) { return tx == ty }
            return false
        case let (.bool(x), .bool(y)):
            return x == y
        case let (.int(x), .int(y)):
            return x == y
        default:
            if let x = a.double, let y = b.double { return x == y }
            return false
        }
    }

    private static func objectsEqual(_ x: [String: JSON], _ y: [String: JSON], _ context: Context) -> Bool {
        for key in Set(x.keys).union(y.keys) {
            let child: Context =
                context == .quantityMap || quantityKeys.contains(key) ? .quantity
                : quantityMapKeys.contains(key) ? .quantityMap : .plain
            if !equal(x[key], y[key], child) { return false }
        }
        return true
    }
}
