import APIMachinery

/// Renders values the way Go's `fmt` does in upstream error messages: `%q` for strings and `%#v` for
/// the maps, slices and structs that upstream passes as "bad values" (e.g.
/// `map[string]string{"app":"web"}` in "`selector` does not match template `labels`").
///
/// Go prints map keys sorted, so the output is deterministic and can be matched byte for byte.
enum GoSyntax {
    /// Go's `strconv.Quote`: printable characters kept, `"` and `\` escaped, control characters as escapes.
    static func quote(_ s: String) -> String { GoQuoting.quote(s) }

    /// `%#v` of a `map[string]string`; nil (absent) prints `map[string]string(nil)`.
    static func stringMap(_ value: JSON?) -> String {
        guard let o = value?.object else { return "map[string]string(nil)" }
        let items = o.keys.sorted().map { "\(quote($0)):\(quote(o[$0]?.string ?? ""))" }
        return "map[string]string{" + items.joined(separator: ", ") + "}"
    }

    /// `%#v` of a `[]string`; nil (absent) prints `[]string(nil)`.
    static func stringSlice(_ value: [String]?) -> String {
        guard let a = value else { return "[]string(nil)" }
        return "[]string{" + a.map(quote).joined(separator: ", ") + "}"
    }

    static func stringSlice(_ value: JSON?) -> String {
        stringSlice(value?.array?.map { $0.string ?? "" })
    }

    /// `%#v` of a `*int32`/`*int64`-typed pointer field, as upstream passes some of them.
    static func bool(_ b: Bool) -> String { b ? "true" : "false" }

    /// `%#v` of a `metav1.LabelSelector` (shared by internal and external types, hence `v1.`).
    static func labelSelector(_ sel: JSON?) -> String {
        let labels = stringMap(sel?["matchLabels"])
        let exprs: String
        if let a = sel?["matchExpressions"]?.array {
            exprs = "[]v1.LabelSelectorRequirement{" + a.map { e in
                "v1.LabelSelectorRequirement{Key:\(quote(e["key"]?.string ?? "")), Operator:\(quote(e["operator"]?.string ?? "")), Values:\(stringSlice(e["values"]))}"
            }.joined(separator: ", ") + "}"
        } else {
            exprs = "[]v1.LabelSelectorRequirement(nil)"
        }
        return "v1.LabelSelector{MatchLabels:\(labels), MatchExpressions:\(exprs)}"
    }

    /// `%#v` of an `intstr.IntOrString`, as printed inside structs.
    static func intOrString(_ v: JSON?) -> String {
        if let s = v?.string { return "intstr.IntOrString{Type:1, IntVal:0, StrVal:\(quote(s))}" }
        return "intstr.IntOrString{Type:0, IntVal:\(v?.int ?? 0), StrVal:\"\"}"
    }

    /// What an `intstr.IntOrString` prints through its `String()` method (unquoted).
    static func intOrStringValue(_ v: JSON?) -> String {
        if let s = v?.string { return s }
        return String(v?.int ?? 0)
    }

    /// Go's `time.Time.String()` for an RFC 3339 timestamp in UTC: `2024-01-02 03:04:05 +0000 UTC`.
    static func time(_ rfc3339: String?) -> String {
        guard let t = rfc3339, t.count >= 19 else { return "0001-01-01 00:00:00 +0000 UTC" }
        let date = t.prefix(10)
        let clock = t.dropFirst(11).prefix(8)
        return "\(date) \(clock) +0000 UTC"
    }
}
