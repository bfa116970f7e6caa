import APIMachinery

/// Upstream's `apiequality.Semantic.DeepEqual` over JSON: Go decodes an absent field, `null`, `""`,
/// `0`, `false`, `[]` and `{}` to the same zero value, so they compare equal; numbers compare by value
/// and quantities by amount. Used wherever upstream asks "did the spec change" (pod update rules,
/// generation bumps).
func semanticallyEqual(_ a: JSON?, _ b: JSON?) -> Bool {
    let za = isZeroValue(a), zb = isZeroValue(b)
    if za || zb { return za && zb }
    switch (a!, b!) {
    case let (.object(x), .object(y)):
        for k in Set(x.keys).union(y.keys) where !semanticallyEqual(x[k], y[k]) { return false }
        return true
    case let (.array(x), .array(y)):
        guard x.count == y.count else { return false }
        return zip(x, y).allSatisfy { semanticallyEqual($0, $1) }
    case let (.string(x), .string(y)):
        if x == y { return true }
        if let qx = Quantity.parse(x), let qy = Quantity.parse(y) { return qx == qy }
        return false
    case let (.bool(x), .bool(y)): return x == y
    default:
        if let x = a!.double, let y = b!.double { return x == y }
        return false
    }
}

/// Whether a JSON value decodes to a Go zero value.
func isZeroValue(_ v: JSON?) -> Bool {
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
