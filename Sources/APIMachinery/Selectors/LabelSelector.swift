/// A label selector: an AND of requirements (upstream's `labels.Selector`).
///
/// Built from the `labelSelector` query parameter (`LabelSelector(parsing:)`), or from a
/// `metav1.LabelSelector` object in a spec (`LabelSelector(labelSelector:)`). A nil spec selector selects
/// nothing, an empty one everything, as upstream's `LabelSelectorAsSelector`.
public struct LabelSelector: Sendable, Hashable, CustomStringConvertible {
    /// Sorted by key, as upstream sorts them for a deterministic string form.
    public let requirements: [LabelRequirement]
    /// True for upstream's `labels.Nothing()`: the selector of a nil `metav1.LabelSelector`.
    public let selectsNothing: Bool

    public static let everything = LabelSelector(requirements: [], selectsNothing: false)
    public static let nothing = LabelSelector(requirements: [], selectsNothing: true)

    init(requirements: [LabelRequirement], selectsNothing: Bool) {
        // A stable sort keeps upstream's order for requirements sharing a key.
        self.requirements = requirements.enumerated().sorted {
            $0.element.key == $1.element.key ? $0.offset < $1.offset
                : $0.element.key.utf8.lexicographicallyPrecedes($1.element.key.utf8)
        }.map(\.element)
        self.selectsNothing = selectsNothing
    }

    public init(requirements: [LabelRequirement]) {
        self.init(requirements: requirements, selectsNothing: false)
    }

    /// Parses the query-string syntax: `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a`, `!a`,
    /// `a>1`, `a<1`, joined by commas. Throws upstream's message (the API answers it as 400 BadRequest).
    public init(parsing selector: String) throws(SelectorParseError) {
        var parser = LabelSelectorParser(selector)
        self.init(requirements: try parser.parse(), selectsNothing: false)
    }

    /// Upstream's `metav1.LabelSelectorAsSelector` for a `{matchLabels, matchExpressions}` object.
    /// nil or JSON null selects nothing; an object with neither field selects everything.
    public init(labelSelector json: JSON?) throws(SelectorParseError) {
        guard let json, case .object = json else {
            self = .nothing
            return
        }
        let matchLabels = json["matchLabels"]?.object ?? [:]
        let expressions = json["matchExpressions"]?.array ?? []
        if matchLabels.isEmpty && expressions.isEmpty {
            self = .everything
            return
        }
        var requirements: [LabelRequirement] = []
        for key in matchLabels.keys.sorted() {
            let value = matchLabels[key]?.string ?? ""
            requirements.append(try LabelRequirement(key: key, operator: .equals, values: [value]))
        }
        for expr in expressions {
            let opName = expr["operator"]?.string ?? ""
            let op: LabelRequirement.Operator
            switch opName {
            case "In": op = .in
            case "NotIn": op = .notIn
            case "Exists": op = .exists
            case "DoesNotExist": op = .doesNotExist
            default: throw SelectorParseError("\(GoQuoting.quote(opName)) is not a valid label selector operator")
            }
            let values = expr["values"]?.array?.compactMap(\.string) ?? []
            requirements.append(try LabelRequirement(key: expr["key"]?.string ?? "", operator: op, values: values))
        }
        self.init(requirements: requirements, selectsNothing: false)
    }

    /// Upstream's `SelectorFromSet`: every label must equal the given value (no validation).
    public init(matchLabels: [String: String]) {
        self.init(
            requirements: matchLabels.map { LabelRequirement(unchecked: $0.key, operator: .equals, values: [$0.value]) },
            selectsNothing: false)
    }

    /// True when the selector does not restrict anything (upstream's `Empty()`).
    public var isEverything: Bool { !selectsNothing && requirements.isEmpty }

    public func matches(_ labels: [String: String]) -> Bool {
        if selectsNothing { return false }
        return requirements.allSatisfy { $0.matches(labels) }
    }

    /// The value a selector pins `key` to (`=`, `==`, or `in` with one value), as upstream's
    /// `RequiresExactMatch`; nil otherwise.
    public func requiresExactMatch(_ key: String) -> String? {
        guard let r = requirements.first(where: { $0.key == key }) else { return nil }
        switch r.operator {
        case .equals, .doubleEquals, .in: return r.values.count == 1 ? r.values[0] : nil
        default: return nil
        }
    }

    /// Upstream's `String()`: requirements joined by commas ("" for everything and for nothing).
    public var description: String { requirements.map(\.description).joined(separator: ",") }
}
