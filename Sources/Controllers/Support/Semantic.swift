import APIMachinery

/// Equality the way upstream compares decoded structs: a missing field, `null`, an empty map and an
/// empty list all read as the zero value, so `{}` and an absent `labels` do not count as a change.
enum Semantic {
    static func equal(_ a: JSON?, _ b: JSON?) -> Bool {
        normalize(a) == normalize(b)
    }

    static func normalize(_ v: JSON?) -> JSON? {
        guard let v else { return nil }
        switch v {
        case .null: return nil
        case .object(let o):
            var out: [String: JSON] = [:]
            for (k, x) in o { if let n = normalize(x) { out[k] = n } }
            return out.isEmpty ? nil : .object(out)
        case .array(let a):
            return a.isEmpty ? nil : .array(a.map { normalize($0) ?? .null })
        case .double(let d) where d == d.rounded() && abs(d) < 9e18:
            return .int(Int64(d))
        default:
            return v
        }
    }
}
